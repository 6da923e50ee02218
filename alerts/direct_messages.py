"""Telling the person who took an alert, directly in Slack, when its incident changes state.

When an incident's message says something new about its state (resolved, data stale or fresh
again, flapping, settled), each person assigned one of its alerts during the incident gets a
direct message saying so, with a link to the alert. It goes with the channel message, so it
waits out the route's quiet hours and a flapping alert's silence the same way; a route with
``direct_messages: false`` sends none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from alerts.builder import alerts_link
from alerts.conditions import condition_words
from alerts.enqueue import Enqueued, enqueue_direct_message
from alerts.lifecycle import AlertState
from alerts.messages import Notice
from alerts.planning import Step
from alerts.store import Incident
from core.clock import format_instant
from core.config import Settings
from core.config.alerts import AlertRule
from metrics.label_words import labels_words

# Who was assigned each alert during the incident (an assignment outlives the alert's firing:
# the resolution is news to the person who took it).
_ASSIGNEES = """
SELECT id, labels, assigned_to FROM alert
WHERE fingerprint = ANY (%(alerts)s::text[]) AND assigned_at >= %(since)s
ORDER BY id
"""

_NEWS = {
    "resolved": "resolved",
    "stale": "has no fresh data (held, not resolved)",
    "firing": "is firing with fresh data again",
    "flapping": "is flapping",
}


def news(step: Step, said_before: str) -> str | None:
    """What a step says about the incident's state that its message did not say before."""
    if step.kind not in ("update", "resolve") or step.sent_state == said_before:
        return None
    if said_before == "flapping":
        return "stopped flapping and resolved" if step.state == "resolved" else "stopped flapping"
    return _NEWS.get(step.sent_state)


def tell_assignees(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    members: list[AlertState],
    *,
    what: str,
    detail: str | None,
    now: datetime,
) -> list[Enqueued]:
    """Direct-message each person assigned one of ``members`` during ``incident``."""
    rows = conn.execute(
        _ASSIGNEES, {"alerts": [a.fingerprint for a in members], "since": incident.started_at}
    ).fetchall()
    title = rule.title or condition_words(rule, "")
    sent: list[Enqueued] = []
    for alert_id, labels, person in rows:
        labelled = labels_words(labels, "")
        text = f"{title}{f' ({labelled})' if labelled else ''} {what}."
        notice = Notice(
            title=f"An alert you took {what}",
            text=f"{text} {detail}" if detail else text,
            url=alerts_link(settings, rule, int(alert_id)),
            url_label=f"Open alert #{alert_id}",
        )
        key = f"{incident.group_key}:{format_instant(now)}:dm:{alert_id}:{person}"
        sent.append(enqueue_direct_message(conn, user=person, message=notice, key=key))
    return sent
