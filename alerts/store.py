"""Reading and writing alerts, their history and their incidents in PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import psycopg

from alerts.lifecycle import AlertState, Transition

# Arbitrary constant naming the advisory lock that evaluations and acknowledgements take, so
# neither writes an alert from a copy the other has just changed.
EVALUATION_LOCK = 0x5379_6E63_416C

_ALERT_COLUMNS = (
    "fingerprint, rule, labels, group_key, severity, state, value, unit, active_since, "
    "firing_since, cleared_at, resolved_at, stale_reason, last_evaluated_at, id, "
    "acknowledged_by, acknowledged_at, flapping_since, flap_changes"
)


def load_alerts(
    conn: psycopg.Connection[Any], *, group_key: str | None = None
) -> dict[str, AlertState]:
    """Every stored alert (or those of one rule group) by fingerprint."""
    rows = conn.execute(
        f"SELECT {_ALERT_COLUMNS} FROM alert "
        "WHERE %(group)s::text IS NULL OR group_key = %(group)s",
        {"group": group_key},
    ).fetchall()
    return {r[0]: AlertState(*r) for r in rows}


def load_alert(conn: psycopg.Connection[Any], alert_id: int) -> AlertState | None:
    """One stored alert by id, locked for update until the transaction ends; None if unknown."""
    row = conn.execute(
        f"SELECT {_ALERT_COLUMNS} FROM alert WHERE id = %s FOR UPDATE", (alert_id,)
    ).fetchone()
    return AlertState(*row) if row is not None else None


def save_alert(
    conn: psycopg.Connection[Any], alert: AlertState, events: list[Transition], at: datetime
) -> AlertState:
    """Upsert an alert and append its transitions to alert_event; return it with its id."""
    params = {
        "fingerprint": alert.fingerprint,
        "rule": alert.rule,
        "labels": json.dumps(alert.labels),
        "group_key": alert.group_key,
        "severity": alert.severity,
        "state": alert.state,
        "value": alert.value,
        "unit": alert.unit,
        "active_since": alert.active_since,
        "firing_since": alert.firing_since,
        "cleared_at": alert.cleared_at,
        "resolved_at": alert.resolved_at,
        "stale_reason": alert.stale_reason,
        "last_evaluated_at": alert.last_evaluated_at,
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": alert.acknowledged_at,
        "flapping_since": alert.flapping_since,
        "flap_changes": alert.flap_changes,
    }
    row = conn.execute(
        """
        INSERT INTO alert (fingerprint, rule, labels, group_key, severity, state, value, unit,
                           active_since, firing_since, cleared_at, resolved_at, stale_reason,
                           last_evaluated_at, acknowledged_by, acknowledged_at, flapping_since,
                           flap_changes)
        VALUES (%(fingerprint)s, %(rule)s, %(labels)s, %(group_key)s, %(severity)s, %(state)s,
                %(value)s, %(unit)s, %(active_since)s, %(firing_since)s, %(cleared_at)s,
                %(resolved_at)s, %(stale_reason)s, %(last_evaluated_at)s, %(acknowledged_by)s,
                %(acknowledged_at)s, %(flapping_since)s, %(flap_changes)s)
        ON CONFLICT (fingerprint) DO UPDATE SET
            group_key = EXCLUDED.group_key, severity = EXCLUDED.severity,
            state = EXCLUDED.state, value = EXCLUDED.value, unit = EXCLUDED.unit,
            active_since = EXCLUDED.active_since, firing_since = EXCLUDED.firing_since,
            cleared_at = EXCLUDED.cleared_at, resolved_at = EXCLUDED.resolved_at,
            stale_reason = EXCLUDED.stale_reason, last_evaluated_at = EXCLUDED.last_evaluated_at,
            acknowledged_by = EXCLUDED.acknowledged_by, acknowledged_at = EXCLUDED.acknowledged_at,
            flapping_since = EXCLUDED.flapping_since, flap_changes = EXCLUDED.flap_changes
        RETURNING id
        """,
        params,
    ).fetchone()
    assert row is not None
    saved = replace(alert, id=int(row[0]))
    if events:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO alert_event (alert_id, ts, from_state, to_state, value, note) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [(saved.id, at, e.from_state, e.to_state, e.value, e.note) for e in events],
            )
    return saved


@dataclass
class Incident:
    """One message of one rule group: when it started, its post and what it last said."""

    group_key: str
    rule: str
    labels: dict[str, str]
    channel: str
    started_at: datetime
    last_notified_at: datetime
    sent_state: str = "firing"
    snapshot: dict[str, dict[str, Any]] = field(default_factory=dict)
    post_id: int | None = None
    resolved_at: datetime | None = None
    id: int | None = None


def load_open_incidents(conn: psycopg.Connection[Any]) -> dict[str, Incident]:
    """Every open incident by group key."""
    rows = conn.execute(
        "SELECT group_key, rule, labels, channel, started_at, last_notified_at, sent_state, "
        "snapshot, post_id, resolved_at, id FROM alert_incident WHERE resolved_at IS NULL"
    ).fetchall()
    return {r[0]: Incident(*r) for r in rows}


def save_incident(conn: psycopg.Connection[Any], incident: Incident) -> Incident:
    """Insert or update an incident; return it with its id."""
    params = {
        "group_key": incident.group_key,
        "rule": incident.rule,
        "labels": json.dumps(incident.labels),
        "channel": incident.channel,
        "started_at": incident.started_at,
        "last_notified_at": incident.last_notified_at,
        "sent_state": incident.sent_state,
        "snapshot": json.dumps(incident.snapshot),
        "post_id": incident.post_id,
        "resolved_at": incident.resolved_at,
        "id": incident.id,
    }
    if incident.id is None:
        row = conn.execute(
            "INSERT INTO alert_incident (group_key, rule, labels, channel, started_at, "
            "last_notified_at, sent_state, snapshot, post_id, resolved_at) VALUES "
            "(%(group_key)s, %(rule)s, %(labels)s, %(channel)s, %(started_at)s, "
            "%(last_notified_at)s, %(sent_state)s, %(snapshot)s, %(post_id)s, %(resolved_at)s) "
            "RETURNING id",
            params,
        ).fetchone()
        assert row is not None
        incident.id = int(row[0])
        return incident
    conn.execute(
        "UPDATE alert_incident SET last_notified_at = %(last_notified_at)s, "
        "sent_state = %(sent_state)s, snapshot = %(snapshot)s, post_id = %(post_id)s, "
        "resolved_at = %(resolved_at)s WHERE id = %(id)s",
        params,
    )
    return incident
