"""Decide and enqueue an incident's messages: one post, updated in place, answered in its thread.

Per rule group (``group_by``), the open alerts that no silence mutes are the message's lines.
The first firing line posts the message; a change (lines added or cleared, a value moving
beyond ``alerts.change_margin``, data going stale or fresh) updates it and says what changed in
the thread, at most once per ``alerts.update_interval`` so a flapping input cannot flood the
channel; an unchanged incident is repeated every ``repeat_interval`` until every line is
acknowledged (the message still updates in place as it changes); the end updates it to resolved
and replies with how long it lasted. An acknowledgement, or its withdrawal, updates the message
at once and says who in the thread (``announce``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg

from alerts.builder import LineView, build_message
from alerts.enqueue import Enqueued, Kind, enqueue
from alerts.lifecycle import AlertState
from alerts.messages import AlertMessage, ThreadReply
from alerts.silences import Silence, silenced
from alerts.store import Incident, save_incident
from core.clock import format_instant
from core.config import Settings
from core.config.alerts import AlertRule
from core.display import duration, metric_value

MessageState = Literal["firing", "stale", "resolved"]


@dataclass(frozen=True, slots=True)
class Line:
    """An open alert as one line of its incident's message."""

    fingerprint: str
    labels: dict[str, str]
    value: float
    unit: str
    stale_reason: str | None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    def view(self) -> LineView:
        """The line as the message builder takes it."""
        return LineView(
            self.labels, self.value, self.unit, self.acknowledged_by, self.acknowledged_at
        )

    def snapshot(self) -> dict[str, Any]:
        """What the message said about this line, to compare the next evaluation with."""
        return {"labels": self.labels, "value": self.value, "unit": self.unit,
                "stale": self.stale_reason}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Step:
    """What to send for one incident at one evaluation."""

    kind: Literal["post", "update", "resolve", "close"]
    state: MessageState
    reply: str | None = None


def _labels(labels: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "(all)"


def _state(visible: list[Line]) -> MessageState:
    return "stale" if any(line.stale_reason for line in visible) else "firing"


def _moved(rule: AlertRule, margin: float, old: float, new: float) -> bool:
    scale = max(abs(old), abs(rule.threshold)) or 1.0
    return abs(new - old) > margin * scale


def describe_changes(
    rule: AlertRule, margin: float, snapshot: dict[str, Any], visible: list[Line], muted: set[str]
) -> str | None:
    """What changed since the message last spoke, as one thread reply, or None."""
    parts: list[str] = []
    for line in visible:
        before = snapshot.get(line.fingerprint)
        now_value = metric_value(line.value, line.unit, line.labels)
        if before is None:
            parts.append(f"new: {_labels(line.labels)} at {now_value}")
        elif _moved(rule, margin, float(before["value"]), line.value):
            old = metric_value(float(before["value"]), line.unit, line.labels)
            parts.append(f"{_labels(line.labels)}: {old} → {now_value}")
        elif before["stale"] and not line.stale_reason:
            parts.append(f"{_labels(line.labels)}: data fresh again")
    shown = {line.fingerprint for line in visible}
    for fp, before in snapshot.items():
        if fp not in shown:
            parts.append(f"{'silenced' if fp in muted else 'cleared'}: {_labels(before['labels'])}")
    reasons = sorted(
        {line.stale_reason for line in visible if line.stale_reason}
        - {before.get("stale") for before in snapshot.values()}
    )
    if reasons:
        parts.append("data is stale, alert held (not resolved): " + "; ".join(reasons))
    return ("Changed — " + "; ".join(parts)) if parts else None


def plan(
    rule: AlertRule,
    settings: Settings,
    incident: Incident | None,
    *,
    open_lines: list[Line],
    visible: list[Line],
    muted: set[str],
    now: datetime,
) -> Step | None:
    """What the incident of one rule group should send now, if anything."""
    if incident is None:
        if any(line.stale_reason is None for line in visible):
            return Step("post", _state(visible))
        return None
    if not open_lines:
        if all(fp in muted for fp in incident.snapshot):
            return Step("close", "resolved")
        return Step("resolve", "resolved", f"Resolved after {duration(now - incident.started_at)}")
    if not visible:
        return None
    state = _state(visible)
    since = now - incident.last_notified_at
    changes = describe_changes(
        rule, settings.alerts.change_margin, incident.snapshot, visible, muted
    )
    if changes and since >= settings.alerts.update_interval:
        return Step("update", state, changes)
    # Acknowledged lines have someone on them: only the others are repeated.
    waiting = [line for line in visible if line.acknowledged_by is None]
    if state == "firing" and waiting and since >= rule.repeat_interval:
        values = "; ".join(
            f"{_labels(line.labels)} at {metric_value(line.value, line.unit, line.labels)}"
            for line in waiting
        )
        return Step(
            "update", state, f"Still firing after {duration(now - incident.started_at)}: {values}"
        )
    return None


def _line(alert: AlertState) -> Line:
    assert alert.value is not None
    return Line(
        alert.fingerprint, alert.labels, alert.value, alert.unit or "", alert.stale_reason,
        alert.acknowledged_by, alert.acknowledged_at,
    )  # fmt: skip


def _visible(
    members: Iterable[AlertState], silences: list[Silence]
) -> tuple[list[Line], list[Line], set[str]]:
    """The group's open lines, those no silence mutes, and the muted fingerprints."""
    muted = {a.fingerprint for a in members if silenced(silences, a.rule, a.labels)}
    open_lines = [_line(a) for a in members if a.open and a.value is not None]
    return open_lines, [line for line in open_lines if line.fingerprint not in muted], muted


def notify(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rules: dict[str, AlertRule],
    alerts: Iterable[AlertState],
    incidents: dict[str, Incident],
    silences: list[Silence],
    now: datetime,
) -> list[Enqueued]:
    """Plan and enqueue every rule group's messages for this evaluation."""
    groups: dict[str, list[AlertState]] = {}
    for alert in alerts:
        if alert.rule in rules:
            groups.setdefault(alert.group_key, []).append(alert)
    enqueued: list[Enqueued] = []
    for key, members in sorted(groups.items()):
        rule = rules[members[0].rule]
        open_lines, visible, muted = _visible(members, silences)
        incident = incidents.get(key)
        step = plan(
            rule, settings, incident, open_lines=open_lines, visible=visible, muted=muted, now=now
        )
        if step is None:
            continue
        if step.kind == "post":
            started = min(a.firing_since or now for a in members if a.fingerprint in
                          {line.fingerprint for line in visible})  # fmt: skip
            incident = Incident(
                group_key=key,
                rule=rule.name,
                labels={k: members[0].labels.get(k, "") for k in rule.group_by},
                channel=rule.route,
                started_at=started,
                last_notified_at=now,
            )
        assert incident is not None
        enqueued += _send(conn, settings, rule, incident, step, visible, members, now)
    return enqueued


def _send(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    step: Step,
    visible: list[Line],
    members: list[AlertState],
    now: datetime,
) -> list[Enqueued]:
    prefix = f"{incident.group_key}:{format_instant(incident.started_at)}"
    sent: list[Enqueued] = []
    if step.kind == "close":
        incident.resolved_at = now
    elif step.kind == "resolve":
        final = {a.fingerprint: a.value for a in members if a.value is not None}
        views = [
            LineView(s["labels"], final.get(fp, float(s["value"])), s["unit"])
            for fp, s in incident.snapshot.items()
        ]
        message = build_message(conn, settings, rule, state="resolved", lines=views,
                                started_at=incident.started_at, resolved_at=now)  # fmt: skip
        sent += _update_and_reply(conn, incident, message, step, f"{prefix}:resolved")
        incident.resolved_at = now
    else:
        message = _open_message(conn, settings, rule, incident, step.state, visible)
        if step.kind == "post":
            post = enqueue(conn, key=f"{prefix}:post", kind="post", channel=incident.channel,
                           message=message)  # fmt: skip
            incident.post_id = post.id
            sent.append(post)
        else:
            sent += _update_and_reply(
                conn, incident, message, step, f"{prefix}:{format_instant(now)}"
            )
        incident.snapshot = {line.fingerprint: line.snapshot() for line in visible}
    incident.sent_state = step.state
    incident.last_notified_at = now
    save_incident(conn, incident)
    return sent


def _open_message(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    state: MessageState,
    visible: list[Line],
) -> AlertMessage:
    reasons = sorted({line.stale_reason for line in visible if line.stale_reason})
    return build_message(
        conn, settings, rule, state=state, lines=[line.view() for line in visible],
        started_at=incident.started_at, stale_reasons=reasons,
    )  # fmt: skip


def announce(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    members: list[AlertState],
    silences: list[Silence],
    *,
    reply: str,
    key: str,
) -> list[Enqueued]:
    """Update an open incident's posted message in place now, and say ``reply`` in its thread.

    For what people do to its alerts (an acknowledgement), not for what the alerts do: the
    incident's snapshot and last notification stay as they were, so a change of value is still
    announced and repeats keep their schedule. Nothing is sent while the message is unposted
    or every line is silenced.
    """
    _, visible, _ = _visible(members, silences)
    if incident.post_id is None or not visible:
        return []
    state = _state(visible)
    message = _open_message(conn, settings, rule, incident, state, visible)
    return _update_and_reply(conn, incident, message, Step("update", state, reply), key)


def _update_and_reply(
    conn: psycopg.Connection[Any],
    incident: Incident,
    message: AlertMessage,
    step: Step,
    prefix: str,
) -> list[Enqueued]:
    reply = ThreadReply(text=step.reply or "")
    steps: tuple[tuple[Kind, AlertMessage | ThreadReply], ...] = (
        ("update", message),
        ("reply", reply),
    )
    return [
        enqueue(conn, key=f"{prefix}:{kind}", kind=kind, channel=incident.channel,
                message=body, parent_id=incident.post_id)
        for kind, body in steps
    ]  # fmt: skip
