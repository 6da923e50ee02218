"""Dashboard page queries at scale, each page beside a raw psycopg baseline of the same SQL.

Seeds a large sandbox store (default 100,000 accounts: ~1 M records and log events), computes
metrics at three instants so history and week-over-week values exist, then times every page's
reads uncached: the app path (``app.queries.core.read``: the rows the latest compute stored
for the default view where it stored them, else the query; fetch; build the DataFrame) against
``cursor.execute`` + ``fetchall`` of the identical SQL and parameters. Target: p95 ≤ 300 ms per
page. Also printed: each page with every query run live (what any other filter costs), and
what storing the first screens adds to a compute, beside raw psycopg running the same reads.

    .venv/bin/python -m benchmarks.pages_bench --accounts 100000 --runs 20
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg

from app.queries import (
    admin,
    error_groups,
    exceptions,
    executive,
    finance,
    integration,
    records,
    revops,
)  # fmt: skip
from app.queries.core import Query, Window, read, run
from benchmarks.common import DEFAULT_SERVER, machine, scratch_database
from benchmarks.world_loader import load_world
from core.config import Settings
from core.database import Database
from core.roles import Identity
from core.sqlfiles import tune_session
from metrics import failing_records, first_screens, page_snapshots
from metrics.engine import compute
from metrics.exception_teams import workable_metrics
from metrics.failing_records import flow_params
from metrics.first_screens import DEFAULT_SPAN
from metrics.flows import FLOWS
from metrics.matching import refresh_suggestions
from metrics.open_money import RISK_PARAMS
from sandbox.generator import WorldSpec
from sandbox.profile import Profile
from testkit.dashboard_store import NOW, add_operations

Reads = list[tuple[Query, dict[str, Any]]]


def seed(db: Database, accounts: int) -> None:
    """Load the world as of NOW, then prepare it as a dashboard sees it."""
    started = time.perf_counter()
    spec = WorldSpec(seed=11, profile=Profile.model_validate({"accounts": accounts}), now=NOW)
    stored, events = load_world(db, spec)
    print(f"seeded {accounts:,} accounts: {stored:,} records, {events:,} log events "
          f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
    prepare(db)


def prepare(db: Database) -> None:
    """Compute a week ago, a day ago and now, refresh the match suggestions and add the
    operational rows (users, collector health, an alert, a silence, a weekly report)."""
    for at in (NOW - timedelta(days=7), NOW - timedelta(days=1), NOW):
        evaluation = compute(db, Settings(), at)
        print(f"compute at {at:%Y-%m-%d}: {evaluation.duration_ms:,} ms, "
              f"{evaluation.open_exceptions:,} open exception items")  # fmt: skip
    with db.connection() as conn:
        refresh_suggestions(conn, NOW)
    add_operations(db)
    with db.connection(autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def pages(conn: psycopg.Connection[Any]) -> dict[str, Reads]:
    """Every page's reads with their parameters, for one record picked from the store."""
    flows: list[str] = list(FLOWS)
    row = conn.execute(
        "SELECT external_id FROM exception_item WHERE metric = 'posting_failures' LIMIT 1"
    ).fetchone()
    invoice = row[0] if row else "in_missing"
    # The finance page opens its largest item's panel: the item's timeline and its assignees.
    largest = conn.execute(
        "SELECT id FROM exception_item WHERE metric = 'posting_failures' AND resolved_at IS NULL "
        "ORDER BY amount_minor DESC NULLS LAST LIMIT 1"
    ).fetchone()
    finance_reader = Identity("fiona", frozenset({"finance"}))
    panel: Reads = [
        (exceptions.TIMELINE, {"item_id": largest[0] if largest else 0,
                               "workable": list(workable_metrics(finance_reader))}),
        (exceptions.PEOPLE, {}),
    ]  # fmt: skip
    # The integration page lists the records of its first error group by default.
    week = Window(until=NOW, span=timedelta(days=7))
    group = conn.execute(error_groups.GROUPS.sql, week.params(**flow_params(flows))).fetchone()
    # The executive and RevOps pages read their lists for the currencies their totals found.
    totals = run(conn, executive.RISK_TOTALS.sql, week.params(**RISK_PARAMS))
    problems = run(conn, revops.TOTALS.sql, week.params(**revops.TOTAL_PARAMS))
    return {
        "executive": executive.query_list([str(c) for c in totals["currency"]]),
        "finance": [*finance.QUERIES, *panel],
        "revops": revops.query_list(revops.currencies(problems, list(revops.PROBLEM_SERIES))),
        "integration": integration.query_list(
            flows, NOW, (group[0], group[1]) if group else ("netsuite", None)
        ),
        "record": records.query_list("stripe", invoice),
        "admin": admin.query_list(NOW - timedelta(days=7), NOW),
    }


One = Callable[[psycopg.Connection[Any], Query, dict[str, Any]], object]


def _timings(
    conn: psycopg.Connection[Any], reads: Reads, window: Window, runs: int, one: One
) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        for query, params in reads:
            one(conn, query, window.params(**params))
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _live(conn: psycopg.Connection[Any], query: Query, params: dict[str, Any]) -> object:
    with conn.cursor() as cur:
        cur.execute(query.sql, params)
        return cur.fetchall()


def _raw(conn: psycopg.Connection[Any], query: Query, params: dict[str, Any]) -> object:
    """The same statements as the app path, by a bare cursor."""
    found = page_snapshots.statement(conn, query.sql, params) if query.stored else None
    if found is None:
        return _live(conn, query, params)
    with conn.cursor() as cur:
        cur.execute(*found)
        return cur.fetchall()


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def _figures(samples: list[float]) -> str:
    return f"{statistics.median(samples):>7.1f}ms {_p95(samples):>7.1f}ms"


def _store_cost(conn: psycopg.Connection[Any], until: datetime) -> None:
    """What storing the first screens adds to a compute (rolled back), beside raw psycopg
    running the same reads."""
    ours, raw = [], []
    for _ in range(3):
        with conn.transaction(force_rollback=True):
            tune_session(conn)
            started = time.perf_counter()
            stored = first_screens.store(conn, until, 0)
            ours.append(time.perf_counter() - started)
        with conn.transaction(force_rollback=True):
            tune_session(conn)
            started = time.perf_counter()
            for _, sql_text, extra in first_screens.READS:
                params = first_screens.window_params(until) | extra
                conn.cursor().execute(sql_text, params).fetchall()
            groups = (
                conn.cursor()
                .execute(failing_records.GROUPS, first_screens.group_params(until))
                .fetchall()
            )
            for row in groups:
                params = first_screens.group_params(until, (row[0], row[1]))
                conn.cursor().execute(failing_records.RECORDS, params).fetchall()
            raw.append(time.perf_counter() - started)
    print(f"storing the first screens ({stored} reads) in a compute: {min(ours) * 1000:.0f} ms; "
          f"raw psycopg running the same reads {min(raw) * 1000:.0f} ms")  # fmt: skip


def measure(db: Database, runs: int) -> None:
    """Print p50/p95 per page for the app path, the raw baseline and every query live."""
    with db.connection(autocommit=True) as conn:
        conn.execute("SET jit = off")  # as the dashboard's connections (app/runtime.py)
        until = conn.execute("SELECT max(ts) FROM metric_evaluation").fetchone()
        window = Window(until=until[0] if until and until[0] else NOW, span=DEFAULT_SPAN)
        print(f"{'page':<12} {'queries':>7} {'app p50':>9} {'app p95':>9} "
              f"{'raw p50':>9} {'raw p95':>9} {'live p50':>9} {'live p95':>9}")  # fmt: skip
        for page, reads in pages(conn).items():
            for _ in range(2):  # warm the server's buffers for every path alike
                _timings(conn, reads, window, 1, _live)
                _timings(conn, reads, window, 1, _raw)
            app = _timings(conn, reads, window, runs, read)
            raw = _timings(conn, reads, window, runs, _raw)
            live = _timings(conn, reads, window, runs, _live)
            print(f"{page:<12} {len(reads):>7} {_figures(app)} {_figures(raw)} {_figures(live)}")
        _store_cost(conn, window.until)


@contextmanager
def store(url: str | None, accounts: int, server: str, *, ready: bool) -> Iterator[Database]:
    """An existing store (``--url``; prepared first unless ``ready``), or a scratch one seeded
    now and dropped afterwards."""
    if url:
        print(machine())
        db = Database(url)
        if not ready:
            prepare(db)
        yield db
        return
    with scratch_database(server) as db:
        seed(db, accounts)
        yield db


def main() -> None:
    """Parse the options, seed (unless reusing a store) and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL admin URL")
    parser.add_argument(
        "--url",
        help="measure a loaded store instead (metrics_bench --database-url loads one); it is "
        "computed at three instants and given suggestions and operational rows first",
    )
    parser.add_argument(
        "--ready", action="store_true", help="with --url: the store was prepared by a former run"
    )
    args = parser.parse_args()
    with store(args.url, args.accounts, args.server, ready=args.ready) as db:
        measure(db, args.runs)


if __name__ == "__main__":
    main()
