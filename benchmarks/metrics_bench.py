"""Metric computation at scale, each figure beside a plain-SQL baseline of the same work.

The store holds a generated company (default 1M accounts with their ERP and billing customers,
420 days of invoices, over 5M of them in billing, and every middleware log line). Measured in
the same run:
- account reconciliation across the three systems (live accounts, effective customer links,
  unmatched / orphan / duplicate counts) by our SQL, and by one plain join query;
- a full compute (every flow, metric, exception item and history point), and plain SQL doing
  the same joins and aggregates without our code;
- an incremental compute after 1% of the records changed, beside the plain SQL again and a
  full compute of the changed store (whose results must be identical).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from benchmarks.common import DEFAULT_SERVER, machine, peak_rss_mib, scratch_database
from benchmarks.raw_sql import RAW_ACCOUNTS, RAW_FULL
from benchmarks.world_loader import load_world
from core import migrations
from core.config import Settings
from core.database import Database
from core.sqlfiles import query, run_script, sql_text, tune_session
from metrics.engine import ACCOUNT_TABLES, compute, insert_flow_items
from metrics.results import exceptions_document, status_document
from sandbox.generator import WorldSpec
from sandbox.profile import load_profile

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def best_of(runs: int, action: Any) -> float:
    """The fastest of ``runs`` timings (the others are warm-up and noise)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def our_account_reconciliation(conn: psycopg.Connection[Any], settings: Settings) -> None:
    """Our SQL for the account flows and the unmatched / orphan / duplicate counts."""
    params: dict[str, Any] = {"now": NOW, "flows": ["account_crm_to_erp", "account_crm_to_billing"]}
    with conn.transaction(force_rollback=True):
        tune_session(conn)
        for script in ACCOUNT_TABLES:
            run_script(conn, sql_text("flows", script), params)
        for name in params["flows"]:
            sla = settings.flow_settings()[name].sla.total_seconds()
            insert_flow_items(conn, name, sla, params)
        for metric in ("unmatched_accounts", "orphan_customers", "duplicate_customers"):
            conn.execute(query(sql_text("metrics", metric)), params).fetchall()


def raw(conn: psycopg.Connection[Any], statements: list[str]) -> None:
    """Plain SQL, read to the end, with the same session settings the compute uses."""
    tune_session(conn, local=False)
    for statement in statements:
        conn.execute(query(statement), {"now": NOW}).fetchall()


def change_one_percent(conn: psycopg.Connection[Any], seed: int) -> int:
    """Post 1% of the invoices again with new totals and mark 1% of accounts edited."""
    rng = random.Random(seed)
    with conn.transaction():
        changed = conn.execute(
            "UPDATE source_record SET amount_minor = amount_minor + 1, "
            "updated_at = updated_at + interval '1 second' "
            "WHERE system = 'netsuite' AND object_type = 'invoice' AND random() < 0.01"
        ).rowcount
        changed += conn.execute(
            "UPDATE source_record SET updated_at = %s "
            "WHERE system = 'salesforce' AND object_type = 'account' AND random() < 0.01",
            (NOW - timedelta(minutes=rng.randint(1, 59)),),
        ).rowcount
    return changed


def load_or_reuse(db: Database, spec: WorldSpec) -> None:
    """Load the world into an empty store, or reuse the one already there; print its size."""
    with db.connection() as conn:
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM source_record)").fetchone()
    if row and row[0]:
        print("measuring the store already in the database (no load)")
    else:
        started = time.perf_counter()
        records, events = load_world(db, spec)
        print(f"loaded {records:,} records and {events:,} log events in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    with db.connection() as conn:
        sizes = conn.execute(
            "SELECT system || ' ' || object_type, count(*) FROM source_record GROUP BY 1 "
            "UNION ALL SELECT 'log events', count(*) FROM sync_event ORDER BY 1"
        ).fetchall()
    for name, count in sizes:
        print(f"  {name:<28} {count:>12,}")


def documents(db: Database) -> tuple[Any, Any]:
    """What ``syncwatch status --json`` and ``exceptions --json`` would print."""
    with db.connection() as conn:
        return status_document(conn), exceptions_document(conn)


def measure(db: Database, settings: Settings, runs: int, seed: int) -> None:
    """Run both sides on the loaded store and print the figures."""
    with db.connection() as conn:
        ours = best_of(runs, lambda: our_account_reconciliation(conn, settings))
        base = best_of(runs, lambda: raw(conn, RAW_ACCOUNTS))
    print(f"account reconciliation   ours {ours:6.2f} s   raw join {base:6.2f} s   "
          f"{ours / base:.2f}×")  # fmt: skip
    full = best_of(runs, lambda: compute(db, settings, NOW, full=True))
    with db.connection() as conn:
        base_full = best_of(runs, lambda: raw(conn, RAW_FULL))
        changed = change_one_percent(conn, seed)
    print(f"full compute             ours {full:6.2f} s   raw SQL  {base_full:6.2f} s   "
          f"{full / base_full:.2f}×")  # fmt: skip
    later = NOW + timedelta(minutes=5)
    started = time.perf_counter()
    evaluation = compute(db, settings, later)
    incremental = time.perf_counter() - started
    assert evaluation.incremental, "the compute after the change should be incremental"
    with db.connection() as conn:
        base_after = best_of(1, lambda: raw(conn, RAW_FULL))
    print(f"incremental compute after {changed:,} changed records (1%)   ours {incremental:6.2f} s"
          f"   raw SQL {base_after:6.2f} s   {incremental / base_after:.2f}×")  # fmt: skip
    after = documents(db)
    full_after = best_of(1, lambda: compute(db, settings, later, full=True))
    same = "identical" if documents(db) == after else "DIFFERENT"
    print(f"full compute of the changed store {full_after:6.2f} s; its results are {same}")
    print(f"peak RSS of the benchmark process {peak_rss_mib():.0f} MiB")


def main() -> None:
    """Load the world (or reuse a loaded one), run both sides, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--history-days", type=int, default=420)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument(
        "--database-url",
        help="a database to use and keep (migrated first): loaded when its store is empty, "
        "measured as it is otherwise; the 1%% change is applied to it",
    )
    args = parser.parse_args()
    profile = load_profile("default").model_copy(
        update={"accounts": args.accounts, "history": timedelta(days=args.history_days)}
    )
    settings = Settings()
    spec = WorldSpec(args.seed, profile, NOW)
    if args.database_url:
        db = Database(args.database_url)
        migrations.upgrade(db)
        print(f"{db.url.rpartition('/')[2]}: {machine()}")
        load_or_reuse(db, spec)
        measure(db, settings, args.runs, args.seed)
        return
    with scratch_database(args.server) as db:
        load_or_reuse(db, spec)
        measure(db, settings, args.runs, args.seed)


if __name__ == "__main__":
    main()
