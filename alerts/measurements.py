"""Measure: the latest metric values and the live collector readings, read in one query.

Collector health, freshness and the age of the latest compute are measured here at ``now``
from ``source_health`` and ``metric_evaluation`` rather than taken from the last compute, so a
stopped compute or a dead collector shows up as it happens instead of freezing at its last value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from alerts.dependencies import SourceState
from core.config import Settings
from core.config.alerts import LIVE_METRICS

_MEASURE = """
WITH latest AS (SELECT max(ts) AS ts FROM metric_evaluation WHERE ts <= %(now)s)
SELECT s.name, s.labels, p.value, s.unit
FROM latest
JOIN metric_point p ON p.ts = latest.ts
JOIN metric_series s ON s.id = p.series_id
WHERE s.name = ANY (%(metrics)s::text[]) AND s.name <> ALL (%(live)s::text[])
UNION ALL
SELECT 'collector_healthy', jsonb_build_object('source', h.source),
       CASE WHEN h.healthy THEN 1.0 ELSE 0.0 END, 'bool'
FROM source_health h WHERE h.source = ANY (%(sources)s::text[])
UNION ALL
SELECT 'collector_freshness_seconds', jsonb_build_object('source', h.source),
       greatest(0, extract(epoch FROM %(now)s - h.last_success_at))::float8, 'seconds'
FROM source_health h
WHERE h.source = ANY (%(sources)s::text[]) AND h.last_success_at IS NOT NULL
UNION ALL
SELECT 'metric_evaluation_age_seconds', '{}'::jsonb,
       greatest(0, extract(epoch FROM %(now)s - latest.ts))::float8, 'seconds'
FROM latest WHERE latest.ts IS NOT NULL
"""


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured series value."""

    name: str
    labels: dict[str, str]
    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class Measurements:
    """Everything evaluation needs from the store, as of ``now``."""

    now: datetime
    evaluated_at: datetime | None
    samples: list[Sample]
    sources: dict[str, SourceState]


def measure(
    conn: psycopg.Connection[Any], settings: Settings, metrics: list[str], now: datetime
) -> Measurements:
    """Read the latest values of ``metrics`` and the sources' health as of ``now``."""
    configured = [n for n, s in settings.sources.items() if s.enabled]
    rows = conn.execute(
        _MEASURE,
        {"now": now, "metrics": metrics, "live": list(LIVE_METRICS), "sources": configured},
    ).fetchall()
    samples = [Sample(n, dict(labels), float(v), unit) for n, labels, v, unit in rows]
    evaluated = conn.execute(
        "SELECT max(ts) FROM metric_evaluation WHERE ts <= %s", (now,)
    ).fetchone()
    health = conn.execute(
        "SELECT source, healthy, reason, last_success_at FROM source_health"
    ).fetchall()
    return Measurements(
        now=now,
        evaluated_at=evaluated[0] if evaluated else None,
        samples=samples,
        sources={r[0]: SourceState(*r) for r in health},
    )
