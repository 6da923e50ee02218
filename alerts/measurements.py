"""Measure: the latest metric values and the live collector readings, read in one query.

Collector health and freshness (their SQL definitions, through metrics.live) and the age of the
latest compute are measured here at ``now`` rather than taken from the last compute, so a
stopped compute or a dead collector shows up as it happens instead of freezing at its last value.
The measurements carry each source's freshness limit and the evaluating service's clock, which
judge whether a source's data is fresh (see alerts.freshness).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from alerts.dependencies import SourceState
from alerts.freshness import ServiceClock
from core.config import Settings
from core.config.alerts import LIVE_METRICS
from metrics.live import live_query
from metrics.values import MetricValue

_MEASURE = """
WITH latest AS (SELECT max(ts) AS ts FROM metric_evaluation WHERE ts <= %(now)s)
SELECT s.name, s.labels, p.value, s.unit
FROM latest
JOIN metric_point p ON p.ts = latest.ts
JOIN metric_series s ON s.id = p.series_id
WHERE s.name = ANY (%(metrics)s::text[]) AND s.name <> ALL (%(live)s::text[])
UNION ALL
SELECT * FROM ({live}) l (name, labels, value, unit)
WHERE l.labels ->> 'source' = ANY (%(sources)s::text[])
UNION ALL
SELECT 'metric_evaluation_age_seconds', '{{}}'::jsonb,
       greatest(0, extract(epoch FROM %(now)s - latest.ts))::float8, 'seconds'
FROM latest WHERE latest.ts IS NOT NULL
"""


@dataclass(frozen=True, slots=True)
class Measurements:
    """Everything evaluation needs from the store, as of ``now``."""

    now: datetime
    evaluated_at: datetime | None
    values: list[MetricValue]
    sources: dict[str, SourceState]
    limits: dict[str, timedelta]
    service: ServiceClock


def measure(
    conn: psycopg.Connection[Any],
    settings: Settings,
    metrics: list[str],
    now: datetime,
    *,
    limits: dict[str, timedelta],
    service: ServiceClock,
) -> Measurements:
    """Read the latest values of ``metrics`` and the sources' health as of ``now``."""
    configured = [n for n, s in settings.sources.items() if s.enabled]
    rows = conn.execute(
        sql.SQL(_MEASURE).format(live=live_query()),
        {"now": now, "metrics": metrics, "live": list(LIVE_METRICS), "sources": configured},
    ).fetchall()
    values = [MetricValue(n, dict(labels), float(v), unit) for n, labels, v, unit in rows]
    evaluated = conn.execute(
        "SELECT max(ts) FROM metric_evaluation WHERE ts <= %s", (now,)
    ).fetchone()
    health = conn.execute(
        "SELECT source, healthy, reason, last_success_at, last_attempt_at FROM source_health"
    ).fetchall()
    return Measurements(
        now=now,
        evaluated_at=evaluated[0] if evaluated else None,
        values=values,
        sources={r[0]: SourceState(*r) for r in health},
        limits=limits,
        service=service,
    )
