"""Assigning an alert: who took it. Slack's "Assign to me" does it; the message names them.

An assignment belongs to the incident it was made in: one made before the alert's current
firing began is history, so a new incident starts with nobody assigned. Each assignment is an
alert event and an audit entry naming the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from alerts.lifecycle import AlertState
from core.audit import record_action

# The assignee of an alert's current incident (an alert that is not firing has none).
CURRENT_ASSIGNEE = "CASE WHEN assigned_at >= firing_since THEN assigned_to END"


@dataclass(frozen=True, slots=True)
class AlertPeople:
    """An alert's id and who took its current incident."""

    alert_id: int
    assigned_to: str | None


def alert_people(conn: psycopg.Connection[Any], fingerprints: list[str]) -> dict[str, AlertPeople]:
    """Id and current assignee of each stored alert among ``fingerprints``."""
    rows = conn.execute(
        f"SELECT fingerprint, id, {CURRENT_ASSIGNEE} FROM alert WHERE fingerprint = ANY(%s)",
        (fingerprints,),
    ).fetchall()
    return {fp: AlertPeople(int(alert_id), who) for fp, alert_id, who in rows}


def current_assignee(conn: psycopg.Connection[Any], alert_id: int) -> str | None:
    """Who took the current incident of alert ``alert_id``."""
    row = conn.execute(
        f"SELECT {CURRENT_ASSIGNEE} FROM alert WHERE id = %s", (alert_id,)
    ).fetchone()
    return None if row is None else row[0]


def assign_alert(
    conn: psycopg.Connection[Any], alert: AlertState, *, to: str, actor: str, at: datetime
) -> int | None:
    """Assign the open ``alert`` to ``to``; the event's id, or None when ``to`` already has it.

    Call inside the transaction that holds the evaluation lock.
    """
    assert alert.id is not None and alert.open
    before = current_assignee(conn, alert.id)
    if before == to:
        return None
    conn.execute(
        "UPDATE alert SET assigned_to = %s, assigned_at = %s WHERE id = %s", (to, at, alert.id)
    )
    row = conn.execute(
        "INSERT INTO alert_event (alert_id, ts, from_state, to_state, value, note, actor) "
        "VALUES (%s, %s, %s, 'assigned', %s, %s, %s) RETURNING id",
        (alert.id, at, alert.state, alert.value,
         f"assigned to {to}" + (f" (was {before})" if before else ""), actor),
    ).fetchone()  # fmt: skip
    assert row is not None
    record_action(
        conn, actor=actor, action="alert.assign", target_type="alert", target_id=str(alert.id),
        at=at, details={"rule": alert.rule, "labels": alert.labels, "assigned_to": to,
                        "was_assigned_to": before},
    )  # fmt: skip
    return int(row[0])
