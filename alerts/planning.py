"""Decide what an incident's message should say now, if anything, in pure Python.

Per rule group, the open alerts no silence mutes are the message's lines. The first firing line
posts the message; a change (lines added or cleared, a value moving beyond
``alerts.change_margin``, data going stale or fresh) updates it and says what changed in the
thread, at most once per ``alerts.update_interval``; an unchanged incident is repeated every
``repeat_interval`` until every line is acknowledged; the end updates it to resolved and replies
with how long it lasted.

Two things hold that back. Inside its route's quiet hours a rule that is not critical sends
nothing: an incident that begins then is only remembered (``hold``), and when the hours end the
message is sent once as the incident then stands (posted firing, or a ``recap`` of an incident
that began and ended meanwhile), or updated once. A group with a flapping alert says so once,
with how many changes, then nothing until every alert has settled; then it says once how it
settled (firing, or resolved).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from alerts.builder import LineView
from alerts.store import Incident
from core.config import Settings
from core.config.alerts import AlertRule
from core.display import duration, metric_value
from metrics.label_words import labels_words

MessageState = Literal["firing", "stale", "resolved"]
StepKind = Literal["post", "update", "resolve", "close", "hold", "recap"]


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
class Flapping:
    """A rule group with a flapping alert: how many state changes, within which window."""

    changes: int
    window: timedelta

    def notice(self) -> str:
        """What the message says while the group flaps."""
        window = duration(self.window)
        return (
            f"Flapping: changed state {self.changes} times within {window}. Nothing more is "
            f"sent about it until it has been stable for {window}."
        )


@dataclass(frozen=True, slots=True)
class Group:
    """What a rule group looks like at this evaluation."""

    open_lines: list[Line]
    visible: list[Line]
    muted: set[str]
    flapping: Flapping | None = None
    held_until: datetime | None = None
    """The end of the quiet hours holding its notifications (None: it may notify now)."""


@dataclass(frozen=True, slots=True)
class Step:
    """What to send for one incident at one evaluation."""

    kind: StepKind
    state: MessageState
    reply: str | None = None
    flapping: str | None = None
    """The flapping notice the message leads with."""

    @property
    def sent_state(self) -> str:
        """What the incident's message says after this step (alert_incident.sent_state)."""
        if self.kind == "hold":
            return "held"
        return "flapping" if self.flapping else self.state


def _where(labels: dict[str, Any]) -> str:
    """What a line is about, in words (``Invoices → ERP · Stripe``; ``all`` for none)."""
    return labels_words(labels, "all")


def _state(visible: list[Line]) -> MessageState:
    return "stale" if any(line.stale_reason for line in visible) else "firing"


def _moved(rule: AlertRule, margin: float, old: float, new: float) -> bool:
    scale = max(abs(old), abs(rule.threshold)) or 1.0
    return abs(new - old) > margin * scale


def _postable(visible: list[Line]) -> bool:
    """Whether the lines make a message worth posting: some line with fresh data."""
    return any(line.stale_reason is None for line in visible)


def describe_changes(
    rule: AlertRule, margin: float, snapshot: dict[str, Any], visible: list[Line], muted: set[str]
) -> str | None:
    """What changed since the message last spoke, as one thread reply, or None."""
    parts: list[str] = []
    for line in visible:
        before = snapshot.get(line.fingerprint)
        now_value = metric_value(line.value, line.unit, line.labels)
        if before is None:
            parts.append(f"new: {_where(line.labels)} at {now_value}")
        elif _moved(rule, margin, float(before["value"]), line.value):
            old = metric_value(float(before["value"]), line.unit, line.labels)
            parts.append(f"{_where(line.labels)}: {old} → {now_value}")
        elif before["stale"] and not line.stale_reason:
            parts.append(f"{_where(line.labels)}: data fresh again")
    shown = {line.fingerprint for line in visible}
    for fp, before in snapshot.items():
        if fp not in shown:
            parts.append(f"{'silenced' if fp in muted else 'cleared'}: {_where(before['labels'])}")
    reasons = sorted(
        {line.stale_reason for line in visible if line.stale_reason}
        - {before.get("stale") for before in snapshot.values()}
    )
    if reasons:
        parts.append("data is stale, alert held (not resolved): " + "; ".join(reasons))
    return ("Changed — " + "; ".join(parts)) if parts else None


def plan(
    rule: AlertRule, settings: Settings, incident: Incident | None, group: Group, now: datetime
) -> Step | None:
    """What the incident of one rule group should send now, if anything."""
    if group.held_until is not None:
        if incident is None and _postable(group.visible):
            return Step("hold", _state(group.visible))
        return None
    if incident is not None and incident.post_id is None:
        return _release(incident, group)
    if group.flapping is not None:
        return _flap(incident, group, group.flapping)
    if incident is not None and incident.sent_state == "flapping":
        return _settle(incident, group, now)
    return _speak(rule, settings, incident, group, now)


def _release(incident: Incident, group: Group) -> Step | None:
    """An incident held through quiet hours, sent once as it now stands."""
    notice = group.flapping.notice() if group.flapping else None
    if not group.open_lines:
        if all(fp in group.muted for fp in incident.snapshot):
            return Step("close", "resolved")
        return Step("recap", "resolved")
    if not _postable(group.visible):
        return None
    return Step("post", _state(group.visible), flapping=notice)


def _flap(incident: Incident | None, group: Group, flapping: Flapping) -> Step | None:
    """Say once that the group is flapping; then nothing until it settles."""
    if incident is None:
        if _postable(group.visible):
            return Step("post", _state(group.visible), flapping=flapping.notice())
        return None
    if incident.sent_state == "flapping":
        return None
    state = _state(group.visible) if group.visible else "firing"
    return Step("update", state, flapping.notice(), flapping=flapping.notice())


def _settle(incident: Incident, group: Group, now: datetime) -> Step | None:
    """Say once how a group that stopped flapping settled."""
    if not group.open_lines:
        if all(fp in group.muted for fp in incident.snapshot):
            return Step("close", "resolved")
        took = duration(now - incident.started_at)
        return Step("resolve", "resolved", f"Stopped flapping and resolved, after {took}")
    if not group.visible:
        return None
    values = "; ".join(
        f"{_where(line.labels)} at {metric_value(line.value, line.unit, line.labels)}"
        for line in group.visible
    )
    return Step("update", _state(group.visible), f"Stopped flapping: still firing ({values})")


def _speak(
    rule: AlertRule, settings: Settings, incident: Incident | None, group: Group, now: datetime
) -> Step | None:
    """Post, update, repeat or resolve the message of a group neither held nor flapping."""
    visible = group.visible
    if incident is None:
        return Step("post", _state(visible)) if _postable(visible) else None
    if not group.open_lines:
        if all(fp in group.muted for fp in incident.snapshot):
            return Step("close", "resolved")
        took = duration(now - incident.started_at)
        return Step("resolve", "resolved", f"Resolved after {took}")
    if not visible:
        return None
    state = _state(visible)
    since = now - incident.last_notified_at
    alerts = settings.alerts
    changes = describe_changes(rule, alerts.change_margin, incident.snapshot, visible, group.muted)
    if changes and since >= alerts.update_interval:
        return Step("update", state, changes)
    # Acknowledged lines have someone on them: only the others are repeated.
    waiting = [line for line in visible if line.acknowledged_by is None]
    if state == "firing" and waiting and since >= rule.repeat_interval:
        values = "; ".join(
            f"{_where(line.labels)} at {metric_value(line.value, line.unit, line.labels)}"
            for line in waiting
        )
        took = duration(now - incident.started_at)
        return Step("update", state, f"Still firing after {took}: {values}")
    return None
