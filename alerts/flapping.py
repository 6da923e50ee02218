"""Flap detection: an alert that keeps changing state is held as flapping, as Nagios does.

A state change is one that changes the alert's Slack message: firing, resolving, and its data
going stale while it fires. An alert that makes more than ``alerts.flapping.changes`` of them
within ``alerts.flapping.window`` is held as flapping: its message says so once, with how many
changes, and nothing more until the alert has gone a whole window without a change; then it
says once how the alert settled (firing or resolved). The lifecycle keeps tracking the real
state underneath: only the notifications are held. Starting and ending to flap are alert
events of their own ('flapping', 'settled'), which are not state changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import psycopg

from alerts.lifecycle import AlertState, Event, State, Transition
from core.config.alerts import FlappingSettings
from core.display import duration

_RECENT_CHANGES = """
SELECT alert_id, ts FROM alert_event
WHERE alert_id = ANY (%(alerts)s::bigint[]) AND ts > %(since)s AND ts <= %(now)s
  AND (to_state IN ('firing', 'resolved') OR (to_state = 'stale' AND from_state = 'firing'))
"""


def is_change(from_state: State | None, to_state: Event) -> bool:
    """Whether a transition changes what the alert's message says (and so counts to flap)."""
    return to_state in ("firing", "resolved") or (to_state == "stale" and from_state == "firing")


def recent_changes(
    conn: psycopg.Connection[Any],
    alerts: Iterable[AlertState],
    settings: FlappingSettings | None,
    now: datetime,
) -> dict[int, list[datetime]]:
    """When each stored alert changed state within the flapping window before ``now``."""
    ids = [a.id for a in alerts if a.id is not None]
    if settings is None or not ids:
        return {}
    rows = conn.execute(
        _RECENT_CHANGES, {"alerts": ids, "since": now - settings.window, "now": now}
    ).fetchall()
    changes: dict[int, list[datetime]] = {}
    for alert_id, ts in rows:
        changes.setdefault(int(alert_id), []).append(ts)
    return changes


def assess(
    alert: AlertState,
    events: Sequence[Transition],
    earlier: Sequence[datetime],
    settings: FlappingSettings | None,
    now: datetime,
) -> tuple[AlertState, list[Transition]]:
    """The alert after this evaluation's ``events``, held as flapping or settled as it deserves.

    ``earlier`` are the alert's state changes stored within the window before ``now``.
    """
    new = sum(1 for e in events if is_change(e.from_state, e.to_state))
    if settings is None:
        return _settle(alert, "flap detection is off") if alert.flapping_since else (alert, [])
    window = settings.window
    recent = sum(1 for t in earlier if t > now - window) + new
    if alert.flapping_since is None:
        if recent <= settings.changes:
            return alert, []
        note = f"changed state {recent} times within {duration(window)}"
        flapping = replace(alert, flapping_since=now, flap_changes=recent)
        return flapping, [Transition(alert.state, "flapping", alert.value, note)]
    if recent:
        return replace(alert, flap_changes=(alert.flap_changes or 0) + new), []
    return _settle(alert, f"stable for {duration(window)}")


def _settle(alert: AlertState, note: str) -> tuple[AlertState, list[Transition]]:
    settled = replace(alert, flapping_since=None, flap_changes=None)
    return settled, [Transition(alert.state, "settled", alert.value, note)]
