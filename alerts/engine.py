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
from alerts.lifecycle import AlertState, State, advance
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
    to_state: State
    value: float | None
    note: str | None


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """What one evaluation did: alerts by state, transitions, and outbox rows enqueued."""

    evaluated_at: datetime
    states: dict[str, int]
    changes: list[AlertChange]
    enqueued: list[Enqueued]


def evaluate_alerts(db: Database, settings: Settings, now: datetime) -> EvaluationReport:
    """Evaluate every rule as of ``now``, record transitions and enqueue notifications."""
    rules = effective_rules(settings)
    by_name = {r.name: r for r in rules}
    changes: list[AlertChange] = []
    with db.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (EVALUATION_LOCK,))
        measurements = measure(conn, settings, sorted({r.metric for r in rules}), now)
        stored = load_alerts(conn)
        known: dict[str, list[dict[str, str]]] = {}
        for alert in stored.values():
            known.setdefault(alert.rule, []).append(alert.labels)
        current: dict[str, AlertState] = {}
        for obs in observe(rules, measurements, settings, known):
            alert, events = advance(stored.get(obs.fingerprint), obs, now)
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
