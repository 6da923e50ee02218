"""People's e-mail addresses: what links their Slack account to their syncwatch user."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from core import users
from core.clock import Clock
from core.database import Database
from syncwatch.commands.users import app as users_app
from syncwatch.context import AppContext

AT = datetime(2026, 11, 21, 9, tzinfo=UTC)


def test_an_address_is_set_found_in_any_case_changed_and_audited(db: Database) -> None:
    with db.connection() as conn:
        users.add_user(conn, "ivan", "pw", ["integration"], actor="ada", at=AT,
                       email=" Ivan.Petrov@Example.com ")  # fmt: skip
        assert users.user_email(conn, "ivan") == "Ivan.Petrov@Example.com"
        assert users.user_by_email(conn, "ivan.petrov@example.COM") == "ivan"
        # Saving the user again without an address keeps the one it has.
        users.add_user(conn, "ivan", "pw2", ["integration"], actor="ada", at=AT)
        assert users.user_email(conn, "ivan") == "Ivan.Petrov@Example.com"
        users.set_email(conn, "ivan", "ivan@example.com", actor="ada", at=AT)
        users.set_email(conn, "ivan", "", actor="ada", at=AT)
        assert users.user_email(conn, "ivan") is None
        assert users.user_by_email(conn, "ivan@example.com") is None
        audit = conn.execute(
            "SELECT action, details ->> 'from', details ->> 'to' FROM audit_log "
            "WHERE action = 'user.email' ORDER BY id"
        ).fetchall()
    assert audit == [
        ("user.email", "Ivan.Petrov@Example.com", "ivan@example.com"),
        ("user.email", "ivan@example.com", None),
    ]


def test_an_address_belongs_to_one_user_and_must_look_like_one(db: Database) -> None:
    with db.connection() as conn:
        users.add_user(conn, "ivan", "pw", ["integration"], actor="ada", at=AT,
                       email="ivan@example.com")  # fmt: skip
        with pytest.raises(users.UserError, match="already the e-mail address of the user 'ivan'"):
            users.create_user(conn, "ivo", "pw", ["finance"], actor="ada", at=AT,
                              email="IVAN@example.com")  # fmt: skip
        with pytest.raises(users.UserError, match="is not an e-mail address"):
            users.set_email(conn, "ivan", "ivan at example", actor="ada", at=AT)
        with pytest.raises(users.UserError, match="no user named 'nobody'"):
            users.set_email(conn, "nobody", "n@example.com", actor="ada", at=AT)
        assert [r.email for r in users.list_users(conn)] == ["ivan@example.com"]


def test_the_cli_sets_and_lists_addresses(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url)

    def invoke(*args: str, stdin: str | None = None, code: int = 0) -> str:
        context = AppContext(config_path=None, clock=Clock(AT))
        result = CliRunner().invoke(users_app, list(args), obj=context, input=stdin)
        context.close()
        assert result.exit_code == code, result.output
        return result.output

    invoke("add", "fiona", "--role", "finance", "--email", "fiona@example.com",
           "--password-stdin", stdin="pw-fiona-1\n")  # fmt: skip
    invoke("add", "rory", "--role", "revops", "--password-stdin", stdin="pw-rory-1\n")
    assert "user rory: e-mail address rory@example.com" in invoke(
        "email", "rory", "rory@example.com"
    )
    assert "already the e-mail address of the user 'rory'" in invoke(
        "email", "fiona", "Rory@Example.com", code=2
    )
    listing = invoke("list")
    assert "fiona@example.com" in listing and "rory@example.com" in listing
