"""Acknowledging an alert: someone is on it. The dashboard, the CLI and Slack all call this.

Only an alert of an open incident (firing, or stale while firing) can be acknowledged. While
acknowledged it is not repeated, but its Slack message still updates in place as it changes and
says who acknowledged it and when. The acknowledgement ends with the incident: the alert row
keeps who acknowledged it and when (the weekly report's time to acknowledge reads them) until
the alert fires again, and that new incident starts unacknowledged. Each acknowledgement and
withdrawal is an alert event and an audit entry naming the person, and updates the message at
once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import psycopg

from alerts.defaults import rule_in_force
from alerts.enqueue import Enqueued
from alerts.lifecycle import AlertState
from alerts.notifications import announce
from alerts.silences import active_silences
from alerts.store import EVALUATION_LOCK, load_alert, load_alerts, load_open_incidents
from core.audit import record_action
from core.clock import format_instant
from core.config import Settings
from core.display import instant
from core.errors import SyncwatchError
from core.roles import Identity, may_acknowledge_alerts
from metrics.label_words import labels_words

AckAction = Literal["acknowledge", "unacknowledge"]


class AcknowledgementError(SyncwatchError):
    """An acknowledgement that cannot be made: unknown alert, not open, or not allowed."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class AckOutcome:
    """What an acknowledgement did: whether anything changed, and what to tell the person."""

    alert_id: int
    action: AckAction
    changed: bool
    message: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    enqueued: list[Enqueued]


def describe(alert: AlertState) -> str:
    """``Alert #12 (posting-failures: Invoices → ERP)`` for messages to people."""
    labels = labels_words(alert.labels, "")
    return f"Alert #{alert.id} ({alert.rule}{': ' + labels if labels else ''})"


def check_may_act(identity: Identity, doing: str = "acknowledge alerts") -> None:
    """Raise ``AcknowledgementError`` unless ``identity`` holds a role that acts on alerts."""
    if not may_acknowledge_alerts(identity):
        raise AcknowledgementError(
            f"{identity.name} may not {doing}: that takes the integration or admin "
            "role (ask an administrator to grant one)"
        )


def change_acknowledgement(
    conn: psycopg.Connection[Any],
    settings: Settings,
    alert_id: int,
    action: AckAction,
    *,
    identity: Identity,
    at: datetime,
    announce_change: bool = True,
) -> AckOutcome:
    """Acknowledge an open alert as ``identity`` at ``at``, or withdraw its acknowledgement.

    Raises ``AcknowledgementError`` when ``identity`` lacks a role that may acknowledge, the
    alert does not exist, or (to acknowledge) it is not open. Asking for what is already so
    changes nothing and says so. Without ``announce_change`` the caller updates the message
    (one update for several alerts of an incident).
    """
    check_may_act(identity)
    with conn.transaction():
        # Taken before the alert is read, so an evaluation cannot save over this change.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (EVALUATION_LOCK,))
        alert = load_alert(conn, alert_id)
        if alert is None:
            raise AcknowledgementError(
                f"there is no alert #{alert_id} (see `syncwatch alerts list` for the ids)"
            )
        unchanged = _unchanged(alert, action, settings)
        if unchanged is not None:
            held = alert.acknowledged
            return AckOutcome(
                alert_id, action, False, unchanged, alert.acknowledged_by if held else None,
                alert.acknowledged_at if held else None, [],
            )  # fmt: skip
        acknowledging = action == "acknowledge"
        changed = replace(
            alert,
            acknowledged_by=identity.name if acknowledging else None,
            acknowledged_at=at if acknowledging else None,
        )
        conn.execute(
            "UPDATE alert SET acknowledged_by = %s, acknowledged_at = %s WHERE id = %s",
            (changed.acknowledged_by, changed.acknowledged_at, alert_id),
        )
        row = conn.execute(
            "INSERT INTO alert_event (alert_id, ts, from_state, to_state, value, note, actor) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (alert_id, at, alert.state, "acknowledged" if acknowledging else "unacknowledged",
             alert.value, None if acknowledging else f"was acknowledged by {alert.acknowledged_by}",
             identity.name),
        ).fetchone()  # fmt: skip
        assert row is not None
        record_action(
            conn, actor=identity.name, action=f"alert.{action}", target_type="alert",
            target_id=str(alert_id), at=at,
            details={"rule": alert.rule, "labels": alert.labels, "state": alert.state,
                     **({} if acknowledging else {"was_acknowledged_by": alert.acknowledged_by})},
        )  # fmt: skip
        reply = (
            f"Acknowledged by {identity.name}"
            if acknowledging
            else f"Acknowledgement withdrawn by {identity.name}"
        )
        enqueued = (
            _update_message(conn, settings, changed, reply, event_id=int(row[0]), at=at)
            if announce_change
            else []
        )
    done = "acknowledged" if acknowledging else "no longer acknowledged"
    return AckOutcome(
        alert_id, action, True, f"{describe(alert)} {done} by {identity.name}.",
        changed.acknowledged_by, changed.acknowledged_at, enqueued,
    )  # fmt: skip


def _unchanged(alert: AlertState, action: AckAction, settings: Settings) -> str | None:
    """Why ``action`` changes nothing on ``alert`` (or raise when it cannot apply), else None."""
    name = describe(alert)
    if action == "unacknowledge":
        return None if alert.acknowledged else f"{name} is not acknowledged: nothing to withdraw."
    if not alert.open:
        raise AcknowledgementError(
            f"{name} is {alert.state}, not firing: only a firing alert can be acknowledged"
        )
    if alert.acknowledged:
        when = instant(alert.acknowledged_at, settings.zone)
        return (
            f"{name} is already acknowledged by {alert.acknowledged_by} ({when}): nothing changed."
        )
    return None


def _update_message(
    conn: psycopg.Connection[Any],
    settings: Settings,
    alert: AlertState,
    reply: str,
    *,
    event_id: int,
    at: datetime,
) -> list[Enqueued]:
    """Update the alert's Slack message (when it has one) to show the acknowledgement now."""
    rule = rule_in_force(conn, settings, alert.rule, at)
    incident = load_open_incidents(conn).get(alert.group_key)
    if rule is None or incident is None:
        return []
    members = list(load_alerts(conn, group_key=alert.group_key).values())
    key = f"{incident.group_key}:{format_instant(incident.started_at)}:ack-{event_id}"
    return announce(
        conn, settings, rule, incident, members, active_silences(conn, at), reply=reply, key=key
    )
