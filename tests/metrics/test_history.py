"""Metric history: rollups keep min, max, sum, count and last per bucket; retention prunes."""

from __future__ import annotations

from datetime import timedelta

from core.database import Database
from metrics.history import roll_up
from tests.metrics.fixtures import NOW


def test_rollups_and_retention(db: Database) -> None:
    start = NOW - timedelta(days=3)
    with db.connection() as conn, conn.transaction():
        series = conn.execute(
            "INSERT INTO metric_series (name, labels, unit) "
            "VALUES ('sync_backlog', '{\"flow\": \"invoice_billing_to_erp\"}', 'count') "
            "RETURNING id"
        ).fetchone()
        assert series is not None
        # One point a minute for three days: the value is the minute of the hour.
        conn.execute(
            "INSERT INTO metric_point (series_id, ts, value) "
            "SELECT %s, ts, extract(minute FROM ts) FROM generate_series(%s::timestamptz, "
            "%s::timestamptz - interval '1 minute', interval '1 minute') AS ts",
            (series[0], start, NOW),
        )
    with db.connection() as conn:
        roll_up(conn, NOW)
        raw = conn.execute("SELECT min(ts), count(*) FROM metric_point").fetchone()
        hourly = conn.execute(
            "SELECT min, max, sum, count, last FROM metric_rollup "
            "WHERE resolution = '1h' AND bucket = %s",
            (NOW - timedelta(hours=2),),
        ).fetchone()
        five = conn.execute(
            "SELECT min, max, count, last FROM metric_rollup "
            "WHERE resolution = '5m' AND bucket = %s",
            (NOW - timedelta(minutes=10),),
        ).fetchone()
        buckets = dict(
            conn.execute(
                "SELECT resolution, count(*) FROM metric_rollup GROUP BY resolution"
            ).fetchall()
        )
    assert raw == (NOW - timedelta(days=2), 2 * 24 * 60)
    assert hourly == (0.0, 59.0, float(sum(range(60))), 60, 59.0)
    assert five == (50.0, 54.0, 5, 54.0)
    # Only buckets wholly inside the kept two days are aggregated in a single run.
    assert buckets == {"5m": 2 * 24 * 12, "1h": 2 * 24, "1d": 2}


def test_rollups_run_while_points_arrive_keep_whole_buckets(db: Database) -> None:
    start = NOW - timedelta(days=3)
    with db.connection() as conn, conn.transaction():
        series = conn.execute(
            "INSERT INTO metric_series (name, labels, unit) "
            "VALUES ('sync_backlog', '{}', 'count') RETURNING id"
        ).fetchone()
        assert series is not None
    for hour in range(72):
        at = start + timedelta(hours=hour + 1)
        with db.connection() as conn:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO metric_point (series_id, ts, value) "
                    "SELECT %s, ts, 1 FROM generate_series(%s::timestamptz, "
                    "%s::timestamptz - interval '1 minute', interval '1 minute') AS ts",
                    (series[0], at - timedelta(hours=1), at),
                )
            roll_up(conn, at)
    with db.connection() as conn:
        hourly = conn.execute(
            "SELECT min(count), max(count), count(*) FROM metric_rollup WHERE resolution = '1h'"
        ).fetchone()
        daily = conn.execute(
            "SELECT bucket, count FROM metric_rollup WHERE resolution = '1d' ORDER BY bucket"
        ).fetchall()
    # Every hour keeps all 60 points, also those whose raw points are long pruned.
    assert hourly == (60, 60, 72)
    assert [count for _, count in daily] == [12 * 60, 24 * 60, 24 * 60, 12 * 60]


def test_ninety_days_read_a_few_thousand_rows(db: Database) -> None:
    with db.connection() as conn, conn.transaction():
        series = conn.execute(
            "INSERT INTO metric_series (name, labels, unit) "
            "VALUES ('x', '{}', 'count') RETURNING id"
        ).fetchone()
        assert series is not None
        conn.execute(
            "INSERT INTO metric_rollup (series_id, resolution, bucket, min, max, sum, count, last) "
            "SELECT %s, '1h', ts, 1, 1, 1, 1, 1 FROM generate_series(%s::timestamptz, "
            "%s::timestamptz, interval '1 hour') AS ts",
            (series[0], NOW - timedelta(days=100), NOW),
        )
    with db.connection() as conn:
        roll_up(conn, NOW)
        row = conn.execute(
            "SELECT count(*) FROM metric_rollup WHERE resolution = '1h' AND bucket >= %s",
            (NOW - timedelta(days=90),),
        ).fetchone()
        oldest = conn.execute("SELECT min(bucket) FROM metric_rollup").fetchone()
    assert row == (90 * 24 + 1,)
    assert oldest == (NOW - timedelta(days=90),)
