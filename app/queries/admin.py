"""Admin reads: users and roles, the audit log, and the sources' health."""

from __future__ import annotations

from datetime import datetime

from app.queries.core import Frame, Query, Window, load
from app.queries.metric_sql import SOURCE_STATE_JOINS
from core.roles import Identity

USERS = Query(
    "admin.users",
    "admin",
    "SELECT u.name, u.email, array_to_string(u.roles, ', ') AS roles, u.disabled, "
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

# Each source's health and freshness as their metrics' one SQL definitions say at the window's
# end (a run that failed after the last recorded poll counts against it), why it fails (the
# recorded reason, else its latest run's error), what it collected in the window and what it
# holds in quarantine.
SOURCES = Query(
    "admin.sources",
    "admin",
    f"""
    SELECT h.source, coalesce(ok.value = 1, h.healthy) AS healthy,
           coalesce(h.reason, r.error) AS reason, h.last_success_at, h.last_attempt_at,
           f.value AS freshness_seconds,
           (SELECT coalesce(sum(c.records), 0) FROM collector_run c
            WHERE c.source = h.source AND c.started_at > %(since)s
              AND c.started_at <= %(until)s) AS records,
           (SELECT count(*) FROM quarantine q WHERE q.source = h.source) AS quarantined
    FROM source_health h
    {SOURCE_STATE_JOINS}
    LEFT JOIN LATERAL (
        SELECT error FROM collector_run c
        WHERE c.source = h.source AND c.started_at <= %(now)s
        ORDER BY c.started_at DESC LIMIT 1
    ) r ON true
    ORDER BY h.source
    """,
)


def users(identity: Identity | None, window: Window) -> Frame:
    """Every local user with roles and sign-in failures (never the hash)."""
    return load(identity, USERS, window.params())


def audit(identity: Identity | None, window: Window, audit_since: datetime) -> Frame:
    """The newest audit entries since ``audit_since``."""
    return load(identity, AUDIT, window.params(audit_since=audit_since))


def sources(identity: Identity | None, window: Window) -> Frame:
    """Every polled source's health, last successful poll, records collected in the window
    and quarantined records, as at the window's end."""
    return load(identity, SOURCES, window.params(now=window.until))


def query_list(audit_since: datetime, now: datetime) -> list[tuple[Query, dict[str, object]]]:
    """Every admin query with its extra parameters (for the benchmark)."""
    return [(USERS, {}), (AUDIT, {"audit_since": audit_since}), (SOURCES, {"now": now})]
