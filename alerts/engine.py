"""One alert evaluation: parse rules → measure in SQL → evaluate in Python → persist → notify.

Everything happens in one transaction under an advisory lock, so two schedulers evaluating at
once cannot both post the same incident, and a failed evaluation leaves no half-written state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.defaults import effective_rules
from alerts.enqueue import Enqueued
from alerts.evaluation import observe
from alerts.flapping import assess, recent_changes
from alerts.freshness import ServiceClock, freshness_limits
from alerts.lifecycle import AlertState, Event, State, advance
from alerts.measurements import measure
from alerts.notifications import notify
from alerts.silences import active_silences
from alerts.store import EVALUATION_LOCK, load_alerts, load_open_incidents, save_alert
from core.config import Settings
from core.database import Database


@dataclass(frozen=True, slots=True)
class AlertChange:
    """One alert transition made by an evaluation."""

    rule: str
    labels: dict[str, str]
    from_state: State | None
    to_state: Event
    value: float | None
    note: str | None


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """What one evaluation did: alerts by state, transitions, and outbox rows enqueued."""

    evaluated_at: datetime
    states: dict[str, int]
    changes: list[AlertChange]
    enqueued: list[Enqueued]


def evaluate_alerts(
    db: Database, settings: Settings, now: datetime, service: ServiceClock | None = None
) -> EvaluationReport:
    """Evaluate every rule as of ``now``, record transitions and enqueue notifications.

    ``service`` is the scheduler evaluating (its start and clock speed), which freshness
    judgements depend on; without it, a one-off evaluation on a wall clock.
    """
    service = service or ServiceClock()
    changes: list[AlertChange] = []
    with db.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (EVALUATION_LOCK,))
        limits = freshness_limits(conn, settings, service, now)
        rules = effective_rules(settings, limits)
        by_name = {r.name: r for r in rules}
        measurements = measure(
            conn, settings, sorted({r.metric for r in rules}), now, limits=limits, service=service
        )
        stored = load_alerts(conn)
        flaps = recent_changes(conn, stored.values(), settings.alerts.flapping, now)
        known: dict[str, list[dict[str, str]]] = {}
        for alert in stored.values():
            known.setdefault(alert.rule, []).append(alert.labels)
        current: dict[str, AlertState] = {}
        for obs in observe(rules, measurements, settings, known):
            alert, events = advance(stored.get(obs.fingerprint), obs, now)
            earlier = flaps.get(alert.id, []) if alert.id is not None else []
            alert, flapping = assess(alert, events, earlier, settings.alerts.flapping, now)
            events += flapping
            current[alert.fingerprint] = save_alert(conn, alert, events, now)
            changes += [
                AlertChange(obs.rule.name, obs.labels, e.from_state, e.to_state, e.value, e.note)
                for e in events
            ]
        enqueued = notify(
            conn,
            settings,
            by_name,
            current.values(),
            load_open_incidents(conn),
            active_silences(conn, now),
            now,
        )
    states: dict[str, int] = {}
    for alert in current.values():
        states[alert.state] = states.get(alert.state, 0) + 1
    return EvaluationReport(now, states, changes, enqueued)
