"""Collector health and freshness as of any instant, from their one SQL definition.

``sql/metrics/collector_healthy.sql`` and ``sql/metrics/collector_freshness_seconds.sql`` define
them. A compute records them in history with every other metric; the alert engine and the
Prometheus exporter evaluate the same files at their own ``now``, so neither freezes at the
last compute when computes stop.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import psycopg
from psycopg import sql

from core.config.alerts import LIVE_METRICS
from core.sqlfiles import names, query, sql_text
from metrics.values import MetricValue


@cache
def live_metrics() -> tuple[str, ...]:
    """The metrics read at the reader's instant (``LIVE_METRICS``) that sql/metrics defines."""
    return tuple(name for name in LIVE_METRICS if name in names("metrics"))


def live_query() -> sql.Composed:
    """Every live metric's SQL as one query of (name, labels, value, unit) at ``%(now)s``."""
    return sql.SQL("\nUNION ALL\n").join(
        sql.SQL("(\n{}\n)").format(query(sql_text("metrics", name))) for name in live_metrics()
    )


def live_values(conn: psycopg.Connection[Any], now: datetime) -> list[MetricValue]:
    """Every live metric's values as of ``now``."""
    rows = conn.execute(live_query(), {"now": now}).fetchall()
    return [MetricValue(n, dict(labels), float(v), unit) for n, labels, v, unit in rows]
