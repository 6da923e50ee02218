"""A small store for alert tests: metric values, source health and exception items."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.engine import EvaluationReport, evaluate_alerts
from collectors.health import record_health
from core.config import Settings
from core.database import Database

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)

Value = tuple[str, dict[str, str], float, str]


def settings(
    rules: list[dict[str, Any]], *, defaults: bool = False, sources: dict[str, Any] | None = None
) -> Settings:
    """Settings with these rules (and sources), nothing else."""
    return Settings.model_validate(
        {
            "alerts": {"defaults": defaults, "rules": rules},
            "sources": sources or {},
            "dashboard_url": "https://syncwatch.example.com",
        }
    )


def write_metrics(db: Database, at: datetime, values: Sequence[Value]) -> None:
    """Record one compute at ``at`` with exactly these metric values."""
    with db.connection() as conn:
        for name, labels, value, unit in values:
            conn.execute(
                "INSERT INTO metric_series (name, labels, unit) VALUES (%s, %s, %s) "
                "ON CONFLICT (name, labels) DO NOTHING",
                (name, json.dumps(labels), unit),
            )
            conn.execute(
                "INSERT INTO metric_point (series_id, ts, value) "
                "SELECT id, %s, %s FROM metric_series WHERE name = %s AND labels = %s",
                (at, value, name, json.dumps(labels)),
            )
        conn.execute(
            "INSERT INTO metric_evaluation (ts, duration_ms, metrics, exceptions) "
            "VALUES (%s, 1, %s, 0)",
            (at, len(values)),
        )


def set_health(db: Database, source: str, at: datetime, *, healthy: bool = True) -> None:
    """Record one poll outcome of ``source`` at ``at``."""
    with db.connection() as conn:
        record_health(conn, source, healthy=healthy, reason=None if healthy else "HTTP 401", at=at)


def add_exception(
    db: Database, metric: str, labels: dict[str, str], external_id: str, amount: int, **extra: Any
) -> None:
    """One open exception item behind ``metric``."""
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO exception_item (fingerprint, metric, labels, system, object_type, "
            "external_id, related, amount_minor, currency, since, first_seen, last_seen) "
            "VALUES (%s, %s, %s, 'stripe', 'invoice', %s, %s, %s, 'USD', %s, %s, %s)",
            (f"{metric}/{external_id}", metric, json.dumps(labels), external_id,
             json.dumps(extra), amount, T0, T0, T0),
        )  # fmt: skip


@dataclass(frozen=True)
class OutboxRow:
    """A notification as the sender will see it."""

    id: int
    kind: str
    channel: str
    parent_id: int | None
    key: str
    message: dict[str, Any]


def outbox(db: Database) -> list[OutboxRow]:
    """Every outbox row in order."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT id, kind, channel, parent_id, idempotency_key, payload "
            "FROM notification_outbox ORDER BY id"
        ).fetchall()
    return [OutboxRow(i, k, c, p, key, payload["message"]) for i, k, c, p, key, payload in rows]


def history(db: Database, rule: str) -> list[tuple[str | None, str]]:
    """Every transition of a rule's alerts, in order."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT e.from_state, e.to_state FROM alert_event e JOIN alert a ON a.id = e.alert_id "
            "WHERE a.rule = %s ORDER BY e.id",
            (rule,),
        ).fetchall()
    return [(f, t) for f, t in rows]


def states(db: Database, rule: str) -> dict[str, str]:
    """State of each alert of a rule, keyed by its labels as text."""
    with db.connection() as conn:
        rows = conn.execute("SELECT labels, state FROM alert WHERE rule = %s", (rule,)).fetchall()
    return {json.dumps(labels, sort_keys=True): state for labels, state in rows}


def step(db: Database, config: Settings, at: datetime, values: Sequence[Value]) -> EvaluationReport:
    """Compute (write ``values``) and evaluate at ``at``, as the scheduler would."""
    write_metrics(db, at, values)
    return evaluate_alerts(db, config, at)
