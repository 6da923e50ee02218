"""Local users, throttled sign-in, proxy identities, query refusal and masked configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.configview import masked_settings
from app.queries import admin, executive, finance, integration, records, revops
from app.queries.core import Window
from core import users
from core.config.models import AuthSettings, Settings
from core.database import Database
from core.roles import Identity, NotAllowedError, NotSignedInError, proxy_identity

AT = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_sign_in_counts_failures_and_pauses_after_ten(db: Database) -> None:
    with db.connection() as conn:
        users.add_user(conn, "fiona", "s3cret-pass", ["finance"], actor="t", at=AT)
        for n in range(1, 10):
            assert (
                users.sign_in(conn, "fiona", "wrong", AT + timedelta(seconds=n)).outcome == "wrong"
            )
        tenth = users.sign_in(conn, "fiona", "wrong", AT + timedelta(seconds=10))
        assert tenth.outcome == "locked" and tenth.retry_after == timedelta(seconds=30)
        during = users.sign_in(conn, "fiona", "s3cret-pass", AT + timedelta(seconds=20))
        assert during.outcome == "locked" and "Try again in 20 s" in during.message
        after = users.sign_in(conn, "fiona", "s3cret-pass", AT + timedelta(seconds=41))
        assert after.outcome == "ok" and after.identity == Identity(
            "fiona", frozenset({"finance"}), "local"
        )
        row = conn.execute("SELECT password_hash FROM app_user").fetchone()
        left = conn.execute("SELECT count(*) FROM sign_in_throttle").fetchone()
        logged = conn.execute("SELECT string_agg(details::text, ' ') FROM audit_log").fetchone()
    assert row is not None and row[0].startswith("$argon2id$") and left == (0,)
    assert logged is not None and "s3cret-pass" not in logged[0] and "wrong" not in logged[0]


def test_unknown_names_are_throttled_and_every_refusal_is_audited(db: Database) -> None:
    with db.connection() as conn:
        outcomes = [
            users.sign_in(conn, "mallory", f"guess-{n}", AT + timedelta(seconds=n)).outcome
            for n in range(1, 13)
        ]
        assert outcomes == ["wrong"] * 9 + ["locked"] * 3
        users.add_user(conn, "fiona", "s3cret-pass", ["finance"], actor="t", at=AT)
        assert (
            users.sign_in(conn, "fiona", "s3cret-pass", AT + timedelta(seconds=13)).outcome == "ok"
        )
        actions = conn.execute(
            "SELECT action, details->>'known_user', count(*) FROM audit_log "
            "WHERE actor = 'mallory' GROUP BY 1, 2 ORDER BY 1"
        ).fetchall()
        later = users.sign_in(conn, "mallory", "guess", AT + timedelta(days=2)).outcome
    assert actions == [("sign_in.failed", "false", 10), ("sign_in.locked", None, 2)]
    assert later == "wrong"


def test_names_longer_than_the_limit_are_refused_and_throttled_by_their_prefix(
    db: Database,
) -> None:
    long_name = "x" * 100_000
    with db.connection() as conn:
        with pytest.raises(users.UserError, match="at most 200 characters"):
            users.add_user(conn, long_name, "pw", ["finance"], actor="t", at=AT)
        assert users.sign_in(conn, long_name, "pw", AT).outcome == "wrong"
        stored = conn.execute("SELECT max(length(name)) FROM sign_in_throttle").fetchone()
    assert stored == (users.MAX_NAME_LENGTH,)


def test_lockout_doubles_and_is_capped() -> None:
    assert users.lockout(9) == timedelta(0)
    assert users.lockout(11) == timedelta(seconds=60)
    assert users.lockout(40) == users.MAX_LOCKOUT


def test_unknown_user_and_disabled_user(db: Database) -> None:
    with db.connection() as conn:
        assert users.sign_in(conn, "nobody", "x", AT).message == "Wrong user name or password."
        users.add_user(conn, "rory", "pw-rory-1", ["revops"], actor="t", at=AT)
        users.set_disabled(conn, "rory", True, actor="ada", at=AT)
        assert users.sign_in(conn, "rory", "pw-rory-1", AT).outcome == "disabled"
        assert users.user_roles(conn, "rory") == frozenset()
        with pytest.raises(users.UserError, match="unknown role"):
            users.add_user(conn, "x", "pw", ["boss"], actor="t", at=AT)


def test_proxy_header_maps_roles_from_settings() -> None:
    auth = AuthSettings.model_validate(
        {
            "mode": "proxy",
            "trusted_proxies": ["127.0.0.1"],
            "roles": {"ivan@example.com": ["integration"]},
        }
    )
    found = proxy_identity({"x-forwarded-user": ["ivan@example.com"]}, None, auth, None)
    assert found == Identity("ivan@example.com", frozenset({"integration"}), "proxy")
    assert proxy_identity({"x-forwarded-user": ["eve"]}, None, auth, None) == Identity(
        "eve", frozenset(), "proxy"
    )
    with pytest.raises(NotSignedInError, match="sent no X-Forwarded-User header"):
        proxy_identity({}, None, auth, None)


@pytest.mark.parametrize(
    "read",
    [
        lambda i, w: executive.risk_totals(i, w),
        lambda i, w: finance.items(i, w),
        lambda i, w: revops.totals(i, w),
        lambda i, w: revops.gaps(i, w, ["USD"]),
        lambda i, w: integration.collectors(i, w),
        lambda i, w: integration.alerts(i, w),
        lambda i, w: records.trail(i, w, "stripe", "in_1"),
        lambda i, w: admin.audit(i, w, AT),
    ],
)
def test_every_query_refuses_before_touching_the_store(read: object) -> None:
    # No DATABASE_URL and no runtime: a query that got past its role check would fail otherwise.
    window = Window(until=AT, span=timedelta(days=7))
    with pytest.raises(NotAllowedError):
        read(Identity("nobody", frozenset()), window)  # type: ignore[operator]
    with pytest.raises(NotAllowedError):
        read(None, window)  # type: ignore[operator]


def test_configuration_view_masks_secrets() -> None:
    settings = Settings.model_validate(
        {"dashboard_url": "https://ops:hunter22@dash.example.com/?token=abc123"}
    )
    shown = masked_settings(settings)
    assert "hunter22" not in str(shown) and "abc123" not in str(shown)
    assert shown["database"]["url_env"] == "DATABASE_URL"
