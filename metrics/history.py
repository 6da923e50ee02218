"""Metric history: a point per series per compute, rolled up and pruned for long ranges.

Raw points are kept for two days; 5-minute rollups for two weeks, hourly for ninety days and
daily for two years, so a 90-day chart reads about two thousand rows per series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each resolution is kept."""

    raw: timedelta = timedelta(days=2)
    five_minutes: timedelta = timedelta(days=14)
    hourly: timedelta = timedelta(days=90)
    daily: timedelta = timedelta(days=730)


RESOLUTIONS = {"5m": "5 minutes", "1h": "1 hour", "1d": "1 day"}
_WIDTHS = {
    "5 minutes": timedelta(minutes=5),
    "1 hour": timedelta(hours=1),
    "1 day": timedelta(days=1),
}


def _first_whole_bucket(since: datetime, width: str) -> datetime:
    """The first bucket boundary at or after ``since`` (buckets are aligned on the epoch)."""
    size = _WIDTHS[width]
    epoch = datetime(1970, 1, 1, tzinfo=since.tzinfo)
    buckets, remainder = divmod(since - epoch, size)
    return epoch + (buckets + (1 if remainder else 0)) * size


def record_points(conn: psycopg.Connection[Any], at: datetime) -> int:
    """Store the compute's metric_value rows as points at ``at``; return how many."""
    conn.execute(
        "INSERT INTO metric_series (name, labels, unit) "
        "SELECT DISTINCT name, labels, unit FROM metric_value "
        "ON CONFLICT (name, labels) DO NOTHING"
    )
    cur = conn.execute(
        "INSERT INTO metric_point (series_id, ts, value) "
        "SELECT s.id, %s, v.value FROM metric_value v "
        "JOIN metric_series s ON s.name = v.name AND s.labels = v.labels "
        "ON CONFLICT (series_id, ts) DO UPDATE SET value = EXCLUDED.value",
        (at,),
    )
    return cur.rowcount


def roll_up(
    conn: psycopg.Connection[Any], now: datetime, retention: Retention = Retention()
) -> None:
    """Aggregate points into 5-minute, hourly and daily buckets, then prune old rows."""
    with conn.transaction():
        for resolution, width in RESOLUTIONS.items():
            conn.execute(
                """
                INSERT INTO metric_rollup AS r
                    (series_id, resolution, bucket, min, max, sum, count, last)
                SELECT series_id, %(resolution)s, date_bin(%(width)s::interval, ts, 'epoch'),
                       min(value), max(value), sum(value), count(*),
                       (array_agg(value ORDER BY ts DESC))[1]
                FROM metric_point
                WHERE ts >= %(first_bucket)s AND ts <= %(now)s
                GROUP BY series_id, date_bin(%(width)s::interval, ts, 'epoch')
                ON CONFLICT (series_id, resolution, bucket) DO UPDATE SET
                    min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum,
                    count = EXCLUDED.count, last = EXCLUDED.last
                """,
                {
                    "resolution": resolution,
                    "width": width,
                    # Only buckets whose every raw point is still kept are re-aggregated: a
                    # bucket straddling the retention edge was complete in an earlier run and
                    # would be overwritten with just its newer part.
                    "first_bucket": _first_whole_bucket(now - retention.raw, width),
                    "now": now,
                },
            )
        conn.execute("DELETE FROM metric_point WHERE ts < %s", (now - retention.raw,))
        for resolution, keep in (
            ("5m", retention.five_minutes),
            ("1h", retention.hourly),
            ("1d", retention.daily),
        ):
            conn.execute(
                "DELETE FROM metric_rollup WHERE resolution = %s AND bucket < %s",
                (resolution, now - keep),
            )
