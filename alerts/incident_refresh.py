"""Say in an incident's own message what a person just did to it, through the outbox.

The message is updated in place to show every open alert of the incident (a snoozed one too:
the person who snoozed it wants to see that it took) with who acknowledged or took which, and a
line saying who did what; the thread gets the same sentence. Both go through the outbox, so a
Slack outage delays the update but never loses or doubles it.
"""

from __future__ import annotations

from typing import Any

import psycopg

from alerts.builder import LineView, build_message
from alerts.enqueue import Enqueued, enqueue
from alerts.lifecycle import AlertState
from alerts.messages import Activity, ThreadReply
from alerts.store import Incident, load_alerts
from core.clock import format_instant
from core.config import Settings
from core.config.alerts import AlertRule


def open_alerts(conn: psycopg.Connection[Any], group_key: str) -> list[AlertState]:
    """The open alerts of an incident's rule group, oldest first."""
    members = load_alerts(conn, group_key=group_key).values()
    return sorted((a for a in members if a.open), key=lambda a: a.id or 0)


def refresh_incident_message(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    *,
    activity: Activity,
    reply: str,
    event_id: int,
) -> list[Enqueued]:
    """Enqueue the in-place update and thread reply saying ``activity`` (none before the post).

    ``event_id`` is the alert event the person's action wrote; it keeps the two outbox rows of
    one action distinct from every other action's.
    """
    if incident.post_id is None:
        return []
    members = open_alerts(conn, incident.group_key)
    views = [
        LineView(a.labels, a.value, a.unit or "", a.acknowledged_by, a.acknowledged_at)
        for a in members
        if a.value is not None
    ]
    if not views:
        return []
    reasons = sorted({a.stale_reason for a in members if a.stale_reason})
    message = build_message(
        conn, settings, rule, state="stale" if reasons else "firing", lines=views,
        started_at=incident.started_at, stale_reasons=reasons,
    ).model_copy(update={"activity": activity})  # fmt: skip
    prefix = f"{incident.group_key}:{format_instant(incident.started_at)}:person-{event_id}"
    return [
        enqueue(conn, key=f"{prefix}:update", kind="update", channel=incident.channel,
                message=message, parent_id=incident.post_id),
        enqueue(conn, key=f"{prefix}:reply", kind="reply", channel=incident.channel,
                message=ThreadReply(text=reply), parent_id=incident.post_id),
    ]  # fmt: skip
