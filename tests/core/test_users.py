"""Local users: create, change roles, reset passwords — refused in words, always audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import users
from core.database import Database

AT = datetime(2026, 11, 21, 9, tzinfo=UTC)


def test_create_refuses_an_existing_name_and_keeps_its_password(db: Database) -> None:
    with db.connection() as conn:
        users.create_user(conn, "nina", "first secret", ["finance"], actor="ada", at=AT)
        with pytest.raises(users.UserError, match="already exists"):
            users.create_user(conn, "nina", "other", ["admin"], actor="ada", at=AT)
        assert users.sign_in(conn, "nina", "first secret", AT).outcome == "ok"
        assert users.user_roles(conn, "nina") == {"finance"}


def test_roles_and_password_changes_are_audited_without_the_password(db: Database) -> None:
    with db.connection() as conn:
        users.create_user(conn, "nina", "first secret", ["finance"], actor="ada", at=AT)
        for _ in range(users.FREE_ATTEMPTS + 1):
            users.sign_in(conn, "nina", "wrong", AT)
        assert users.sign_in(conn, "nina", "first secret", AT).outcome == "locked"
        users.set_roles(conn, "nina", ["revops", "finance"], actor="ada", at=AT)
        users.reset_password(conn, "nina", "second secret", actor="ada", at=AT)
        assert users.sign_in(conn, "nina", "second secret", AT).outcome == "ok"
        assert users.sign_in(conn, "nina", "first secret", AT).outcome == "wrong"
        assert users.user_roles(conn, "nina") == {"finance", "revops"}
        audit = conn.execute(
            "SELECT actor, action, details::text FROM audit_log WHERE target_id = 'nina' "
            "AND action LIKE 'user.%%' ORDER BY id"
        ).fetchall()
    assert [(a, b) for a, b, _ in audit] == [
        ("ada", "user.add"),
        ("ada", "user.roles"),
        ("ada", "user.password"),
    ]
    assert '"from": ["finance"]' in audit[1][2] and '"to": ["finance", "revops"]' in audit[1][2]
    assert not any("secret" in (details or "") for _, _, details in audit)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: users.set_roles(c, "ghost", ["finance"], actor="ada", at=AT), "no user"),
        (lambda c: users.set_roles(c, "nina", [], actor="ada", at=AT), "at least one role"),
        (lambda c: users.set_roles(c, "nina", ["boss"], actor="ada", at=AT), "unknown role"),
        (lambda c: users.reset_password(c, "ghost", "x", actor="ada", at=AT), "no user"),
        (lambda c: users.reset_password(c, "nina", "", actor="ada", at=AT), "must not be empty"),
    ],
)
def test_bad_changes_are_refused_in_words(db: Database, change: object, message: str) -> None:
    with db.connection() as conn:
        users.create_user(conn, "nina", "first secret", ["finance"], actor="ada", at=AT)
        with pytest.raises(users.UserError, match=message):
            change(conn)  # type: ignore[operator]
        assert users.user_roles(conn, "nina") == {"finance"}


@pytest.mark.parametrize(
    ("roles", "message"),
    [([], "at least one role"), (["finance", "boss"], "unknown role\\(s\\): boss")],
)
def test_adding_and_changing_roles_refuse_the_same_way(
    db: Database, roles: list[str], message: str
) -> None:
    with db.connection() as conn:
        users.create_user(conn, "nina", "first secret", ["finance"], actor="ada", at=AT)
        with pytest.raises(users.UserError, match=message):
            users.add_user(conn, "omar", "secret", roles, actor="ada", at=AT)
        with pytest.raises(users.UserError, match=message):
            users.set_roles(conn, "nina", roles, actor="ada", at=AT)
        assert users.user_roles(conn, "omar") == frozenset()
        assert users.user_roles(conn, "nina") == {"finance"}


def test_roles_given_once_as_a_generator_are_all_granted(db: Database) -> None:
    with db.connection() as conn:
        users.add_user(
            conn, "nina", "secret", (r for r in ("revops", "finance")), actor="ada", at=AT
        )
        assert users.user_roles(conn, "nina") == {"finance", "revops"}
        users.set_roles(conn, "nina", (r for r in ("admin",)), actor="ada", at=AT)
        assert users.user_roles(conn, "nina") == {"admin"}
