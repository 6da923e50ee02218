"""The alert state machine: inactive → pending → firing → resolved, and stale, in pure Python.

Hysteresis: a pending alert needs the breach to last ``for``; a firing alert resolves only once
its value has passed the resolve threshold and stayed there for ``keep_firing_for``, so a value
hovering at the threshold neither flaps nor floods the channel. Stale data never resolves an
alert: it holds it as ``stale`` until fresh data says what is true. An alert that changes state
too often anyway is held as flapping on top of its state (see alerts.flapping).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from alerts.evaluation import Observation

State = Literal["inactive", "pending", "firing", "resolved", "stale"]
Event = State | Literal["flapping", "settled"]
"""What an alert_event row records: a new state, or flapping beginning or ending over it."""


@dataclass(frozen=True, slots=True)
class AlertState:
    """One alert as stored: a rule and label set, its state and the instants it depends on."""

    fingerprint: str
    rule: str
    labels: dict[str, str]
    group_key: str
    severity: str
    state: State = "inactive"
    value: float | None = None
    unit: str | None = None
    active_since: datetime | None = None
    firing_since: datetime | None = None
    cleared_at: datetime | None = None
    resolved_at: datetime | None = None
    stale_reason: str | None = None
    last_evaluated_at: datetime | None = None
    id: int | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    flapping_since: datetime | None = None
    flap_changes: int | None = None
    """The state changes within the window that made it flap, plus those since."""

    @property
    def open(self) -> bool:
        """Whether the alert belongs to an open incident (firing, or stale while firing)."""
        return self.state == "firing" or (self.state == "stale" and self.firing_since is not None)

    @property
    def acknowledged(self) -> bool:
        """Whether someone acknowledged the open incident (a closed one's is only history)."""
        return self.open and self.acknowledged_by is not None


@dataclass(frozen=True, slots=True)
class Transition:
    """One state change, as written to alert_event."""

    from_state: State | None
    to_state: Event
    value: float | None
    note: str | None = None


def new_alert(obs: Observation) -> AlertState:
    """A fresh alert for a rule and label set seen for the first time."""
    return AlertState(
        fingerprint=obs.fingerprint,
        rule=obs.rule.name,
        labels=obs.labels,
        group_key=obs.group_key,
        severity=obs.rule.severity,
        unit=obs.unit or None,
    )


def advance(
    alert: AlertState | None, obs: Observation, now: datetime
) -> tuple[AlertState, list[Transition]]:
    """The alert after one observation at ``now``, and the transitions that took it there."""
    events: list[Transition] = []
    if alert is None:
        alert = new_alert(obs)
        events.append(Transition(None, "inactive", obs.value, "first evaluated"))
    alert = replace(
        alert,
        last_evaluated_at=now,
        severity=obs.rule.severity,
        group_key=obs.group_key,
        unit=obs.unit or alert.unit,
    )
    if obs.stale_reason is not None or obs.value is None:
        return _hold_stale(alert, obs, events)
    value = obs.value
    if alert.state == "stale":
        resume: State = "firing" if alert.firing_since is not None else "inactive"
        events.append(Transition("stale", resume, value, "data is fresh again"))
        alert = replace(alert, state=resume)
    alert = replace(alert, value=value, stale_reason=None)
    if alert.state == "firing":
        return _while_firing(alert, obs, now, events)
    return _while_quiet(alert, obs, now, events)


def _hold_stale(
    alert: AlertState, obs: Observation, events: list[Transition]
) -> tuple[AlertState, list[Transition]]:
    # A series that vanished only matters to an alert that was doing something.
    if obs.missing and alert.state in ("inactive", "resolved"):
        return alert, events
    if alert.state != "stale":
        events.append(Transition(alert.state, "stale", alert.value, obs.stale_reason))
    # The breach window restarts once data is fresh: pending time spent blind does not count.
    return replace(
        alert, state="stale", stale_reason=obs.stale_reason, active_since=None, cleared_at=None
    ), events


def _while_firing(
    alert: AlertState, obs: Observation, now: datetime, events: list[Transition]
) -> tuple[AlertState, list[Transition]]:
    assert alert.value is not None
    if not obs.rule.recovered(alert.value):
        return replace(alert, cleared_at=None), events
    cleared = alert.cleared_at or now
    if now - cleared < obs.rule.keep_firing_for:
        return replace(alert, cleared_at=cleared), events
    events.append(Transition("firing", "resolved", alert.value))
    # Resolution clears the acknowledgement; who acknowledged stays in the alert's events.
    return replace(
        alert,
        state="resolved",
        resolved_at=now,
        firing_since=None,
        active_since=None,
        cleared_at=None,
        acknowledged_by=None,
        acknowledged_at=None,
    ), events


def _while_quiet(
    alert: AlertState, obs: Observation, now: datetime, events: list[Transition]
) -> tuple[AlertState, list[Transition]]:
    assert alert.value is not None
    if not obs.rule.breaching(alert.value):
        if alert.state == "pending":
            events.append(Transition("pending", "inactive", alert.value))
            return replace(alert, state="inactive", active_since=None), events
        return alert, events
    since = alert.active_since if alert.state == "pending" and alert.active_since else now
    if now - since >= obs.rule.for_:
        events.append(Transition(alert.state, "firing", alert.value))
        return replace(
            alert, state="firing", active_since=since, firing_since=now, resolved_at=None,
            acknowledged_by=None, acknowledged_at=None,
        ), events  # fmt: skip
    if alert.state != "pending":
        events.append(Transition(alert.state, "pending", alert.value))
    return replace(alert, state="pending", active_since=since), events
