"""Exception actions and the users CLI against a real store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from app import actions
from core import users
from core.clock import Clock
from core.database import Database
from core.roles import Identity, NotAllowedError
from metrics import exception_actions
from syncwatch.commands.users import app as users_app
from syncwatch.context import AppContext

AT = datetime(2026, 11, 21, 9, tzinfo=UTC)


def _item(db: Database, metric: str = "posting_failures") -> int:
    with db.connection() as conn:
        row = conn.execute(
            "INSERT INTO exception_item (fingerprint, metric, system, object_type, external_id, "
            "amount_minor, currency, first_seen, last_seen) VALUES (%s, %s, 'stripe', 'invoice', "
            "'in_1', 1000, 'USD', %s, %s) RETURNING id",
            (metric, metric, AT, AT),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_acknowledge_assign_resolve_are_audited(db: Database) -> None:
    item = _item(db)
    with db.connection() as conn:
        users.add_user(conn, "ivan", "pw-ivan-1", ["finance"], actor="ada", at=AT)
        exception_actions.acknowledge(conn, item, actor="fiona", at=AT)
        exception_actions.assign(conn, item, assignee="ivan", actor="fiona", at=AT)
        with pytest.raises(exception_actions.ExceptionActionError, match="note"):
            exception_actions.resolve(conn, item, note=" ", actor="fiona", at=AT)
        exception_actions.resolve(conn, item, note="reposted by hand", actor="fiona", at=AT)
        state = conn.execute(
            "SELECT status, assignee, note, resolved_at FROM exception_item WHERE id = %s", (item,)
        ).fetchone()
        audit = conn.execute(
            "SELECT actor, action FROM audit_log WHERE action LIKE 'exception.%' ORDER BY id"
        ).fetchall()
        with pytest.raises(exception_actions.ExceptionActionError, match="not open"):
            exception_actions.acknowledge(conn, item, actor="fiona", at=AT)
    assert state == ("resolved", "ivan", "reposted by hand", AT)
    assert audit == [
        ("fiona", "exception.acknowledge"),
        ("fiona", "exception.assign"),
        ("fiona", "exception.resolve"),
    ]


def test_an_action_never_touches_another_teams_item(db: Database) -> None:
    item = _item(db, "unmatched_accounts")
    with db.connection() as conn, pytest.raises(exception_actions.ExceptionActionError):
        exception_actions.acknowledge(
            conn, item, actor="fiona", at=AT, metrics=["posting_failures"]
        )


def test_users_cli_adds_lists_and_disables_without_echoing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> str:
        context = AppContext(config_path=None, clock=Clock(AT))
        result = runner.invoke(users_app, list(args), obj=context, input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    added = invoke("add", "ada", "--role", "admin", "--role", "finance", "--password-stdin",
                   stdin="pa55-word-ada\n")  # fmt: skip
    assert "pa55-word-ada" not in added
    prompted = invoke("add", "rory", "--role", "revops", stdin="pw-rory-22\npw-rory-22\n")
    assert "pw-rory-22" not in prompted
    invoke("disable", "rory")
    listing = invoke("list")
    assert "admin, finance" in listing and "rory" in listing
    with db.connection() as conn:
        rows = conn.execute("SELECT name, disabled FROM app_user ORDER BY name").fetchall()
    assert rows == [("ada", False), ("rory", True)]


def test_alert_acknowledgement_is_checked_on_the_server(app_env: Database) -> None:
    """The dashboard's action refuses a role that may not acknowledge, whatever the page drew."""
    with app_env.connection() as conn:
        row = conn.execute("SELECT id FROM alert WHERE rule = 'posting-failures'").fetchone()
    assert row is not None
    finance = Identity("fiona", frozenset({"finance"}))
    with pytest.raises(NotAllowedError):
        actions.acknowledge_alert(finance, int(row[0]), "acknowledge", AT)
    engineer = Identity("ivan", frozenset({"integration"}))
    done = actions.acknowledge_alert(engineer, int(row[0]), "acknowledge", AT)
    assert done.changed and done.acknowledged_by == "ivan"
    with app_env.connection() as conn:
        audit = conn.execute(
            "SELECT actor, action FROM audit_log WHERE action LIKE 'alert.%'"
        ).fetchall()
    assert audit == [("ivan", "alert.acknowledge")]
