"""Enqueue an incident's messages: one post, updated in place, answered in its thread.

alerts.planning decides what each rule group's message should say at an evaluation (held
through its route's quiet hours, said once while it flaps); this module builds the messages,
queues them in the outbox in order and records what each incident last said. An
acknowledgement, or its withdrawal, updates the message at once and says who in the thread
(``announce``). A change of state is also told to the people who took its alerts
(alerts.direct_messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import psycopg

from alerts.builder import LineView, build_message
from alerts.direct_messages import news, tell_assignees
from alerts.enqueue import Enqueued, Kind, enqueue
from alerts.lifecycle import AlertState
from alerts.messages import AlertMessage, ThreadReply
from alerts.planning import Flapping, Group, Line, MessageState, Step, plan
from alerts.routing import held_until, route_for
from alerts.silences import Silence, silenced
from alerts.store import Incident, save_incident
from core.clock import format_instant
from core.config import Settings
from core.config.alerts import AlertRule


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


def _group(
    settings: Settings,
    rule: AlertRule,
    members: list[AlertState],
    silences: list[Silence],
    now: datetime,
) -> Group:
    """The group's lines, its flapping and the quiet hours holding it at ``now``."""
    open_lines, visible, muted = _visible(members, silences)
    changes = [a.flap_changes or 0 for a in members if a.flapping_since is not None]
    flapping = settings.alerts.flapping
    return Group(
        open_lines=open_lines,
        visible=visible,
        muted=muted,
        flapping=Flapping(max(changes), flapping.window) if changes and flapping else None,
        held_until=held_until(settings, rule, now),
    )


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
        group = _group(settings, rule, members, silences, now)
        incident = incidents.get(key)
        step = plan(rule, settings, incident, group, now)
        if step is None:
            continue
        said_before = incident.sent_state if incident is not None else None
        if incident is None:
            shown = {line.fingerprint for line in group.visible}
            incident = Incident(
                group_key=key,
                rule=rule.name,
                labels={k: members[0].labels.get(k, "") for k in rule.group_by},
                channel=route_for(settings, rule).channel,
                started_at=min(a.firing_since or now for a in members if a.fingerprint in shown),
                last_notified_at=now,
            )
        enqueued += _send(conn, settings, rule, incident, step, group, members, now)
        what = news(step, said_before) if said_before is not None else None
        if what is not None and route_for(settings, rule).direct_messages:
            enqueued += tell_assignees(
                conn, settings, rule, incident, members, what=what, detail=step.reply, now=now
            )
    return enqueued


def _send(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    step: Step,
    group: Group,
    members: list[AlertState],
    now: datetime,
) -> list[Enqueued]:
    prefix = f"{incident.group_key}:{format_instant(incident.started_at)}"
    sent: list[Enqueued] = []
    if step.kind == "close":
        incident.resolved_at = now
    elif step.kind == "resolve":
        message = _resolved(conn, settings, rule, incident, members, now)
        sent += _update_and_reply(conn, incident, message, step, f"{prefix}:resolved")
        incident.resolved_at = now
    elif step.kind == "recap":
        # Began and ended inside quiet hours: one message, saying when it ended.
        ended = max((a.resolved_at for a in members if a.resolved_at), default=now)
        message = _resolved(conn, settings, rule, incident, members, ended)
        sent.append(_post(conn, incident, message, f"{prefix}:recap"))
        incident.resolved_at = now
    else:
        if step.kind != "hold":
            sent += _speak(conn, settings, rule, incident, step, group, members, prefix, now)
        if group.visible:
            incident.snapshot = {line.fingerprint: line.snapshot() for line in group.visible}
    incident.sent_state = step.sent_state
    incident.last_notified_at = now
    save_incident(conn, incident)
    return sent


def _speak(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    step: Step,
    group: Group,
    members: list[AlertState],
    prefix: str,
    now: datetime,
) -> list[Enqueued]:
    """Post or update the message of an open incident (leading with a flapping notice)."""
    views = [line.view() for line in group.visible] or _last(incident, members)
    reasons = sorted({line.stale_reason for line in group.visible if line.stale_reason})
    message = _message(conn, settings, rule, incident, step.state, views, reasons)
    if step.flapping:
        message = message.model_copy(update={"summary": f"{step.flapping} {message.summary}"})
    if step.kind == "post":
        return [_post(conn, incident, message, f"{prefix}:post")]
    return _update_and_reply(conn, incident, message, step, f"{prefix}:{format_instant(now)}")


def _resolved(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    members: list[AlertState],
    at: datetime,
) -> AlertMessage:
    """The incident's message, resolved at ``at``, with the lines it last showed."""
    return build_message(
        conn, settings, rule, state="resolved", lines=_last(incident, members),
        started_at=incident.started_at, resolved_at=at,
    )  # fmt: skip


def _last(incident: Incident, members: list[AlertState]) -> list[LineView]:
    """The lines the message last showed, at their alerts' latest values."""
    final = {a.fingerprint: a.value for a in members if a.value is not None}
    return [
        LineView(s["labels"], final.get(fp, float(s["value"])), s["unit"])
        for fp, s in incident.snapshot.items()
    ]


def _post(
    conn: psycopg.Connection[Any], incident: Incident, message: AlertMessage, key: str
) -> Enqueued:
    post = enqueue(conn, key=key, kind="post", channel=incident.channel, message=message)
    incident.post_id = post.id
    return post


def _message(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    incident: Incident,
    state: MessageState,
    views: list[LineView],
    reasons: list[str],
) -> AlertMessage:
    return build_message(
        conn, settings, rule, state=state, lines=views, started_at=incident.started_at,
        stale_reasons=reasons,
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
    step = Step("update", "stale" if any(v.stale_reason for v in visible) else "firing", reply)
    reasons = sorted({line.stale_reason for line in visible if line.stale_reason})
    views = [line.view() for line in visible]
    message = _message(conn, settings, rule, incident, step.state, views, reasons)
    return _update_and_reply(conn, incident, message, step, key)


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
