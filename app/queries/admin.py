"""Admin reads: users and roles, and the audit log."""

from __future__ import annotations

from datetime import datetime

from app.queries.core import Frame, Query, Window, load
from core.roles import Identity

USERS = Query(
    "admin.users",
    "admin",
    "SELECT name, array_to_string(roles, ', ') AS roles, disabled, failed_logins, "
    "last_failed_at, created_at FROM app_user ORDER BY name",
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
