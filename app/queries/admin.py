"""Admin reads: users and roles, and the audit log."""

from __future__ import annotations

from datetime import datetime

from app.queries.core import Frame, Query, Window, load
from core.roles import Identity

USERS = Query(
    "admin.users",
    "admin",
    "SELECT u.name, array_to_string(u.roles, ', ') AS roles, u.disabled, "
    "coalesce(t.failed_logins, 0) AS failed_logins, t.last_failed_at, u.created_at "
    "FROM app_user u LEFT JOIN sign_in_throttle t USING (name) ORDER BY u.name",
)
AUDIT = Query(
    "admin.audit",
    "admin",
    """
    SELECT ts, actor, action, target_type, target_id, details::text AS details
    FROM audit_log
    WHERE ts > %(audit_since)s
    ORDER BY ts DESC
    LIMIT %(limit)s
    """,
)


def users(identity: Identity | None, window: Window) -> Frame:
    """Every local user with roles and sign-in failures (never the hash)."""
    return load(identity, USERS, window.params())


def audit(identity: Identity | None, window: Window, audit_since: datetime) -> Frame:
    """The newest audit entries since ``audit_since``."""
    return load(identity, AUDIT, window.params(audit_since=audit_since))


def query_list(audit_since: datetime) -> list[tuple[Query, dict[str, object]]]:
    """Every admin query with its extra parameters (for the benchmark)."""
    return [(USERS, {}), (AUDIT, {"audit_since": audit_since})]
