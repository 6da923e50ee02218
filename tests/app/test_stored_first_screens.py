"""The first screens the compute stores: each page read with the default filters comes back
from the stored rows, equal to the same SQL run live; any other filter runs live; resolving an
item forgets them, and the next compute stores them again."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import psycopg
import pytest

from app.filters import FLOW_NAMES
from app.queries import error_groups, executive, finance
from app.queries.core import Query, Window, read, run
from core.config import Settings
from core.database import Database
from metrics import first_screens, page_snapshots
from metrics.engine import compute
from metrics.exception_actions import act
from metrics.exception_selection import ItemFilter
from metrics.failing_records import flow_params
from metrics.first_screens import DEFAULT_SPAN
from metrics.open_money import RISK_PARAMS, UNPOSTED_PARAMS
from testkit.dashboard_store import NOW

DEFAULT = Window(until=NOW, span=DEFAULT_SPAN)


@pytest.fixture
def conn(seeded_db: Database) -> Iterator[psycopg.Connection[Any]]:
    with seeded_db.connection(autocommit=True) as connection:
        yield connection


def reads(conn: psycopg.Connection[Any], window: Window) -> list[tuple[Query, dict[str, Any]]]:
    """Every stored read of the pages, with the parameters the pages pass for ``window``: the
    records of every error group the page can select."""
    groups = run(conn, error_groups.GROUPS.sql, window.params(**flow_params(FLOW_NAMES)))
    assert len(groups) >= 2, "the seeded store has records failing with several errors"
    return [
        (executive.RISK_TOTALS, window.params(**RISK_PARAMS)),
        (finance.BUCKETS, window.params(**UNPOSTED_PARAMS)),
        (error_groups.GROUPS, window.params(**flow_params(FLOW_NAMES))),
        *(
            (error_groups.RECORDS,
             window.params(**flow_params(FLOW_NAMES, (g.system, g.error_code))))
            for g in groups.itertuples()
        ),
    ]  # fmt: skip


def same(stored: Any, live: Any) -> None:
    """Equal rows, columns and values, in the same order."""
    pd.testing.assert_frame_equal(stored, live, check_dtype=False)
    assert [type(v) for v in stored.iloc[0]] == [type(v) for v in live.iloc[0]]


def test_default_view_reads_the_stored_rows(conn: psycopg.Connection[Any]) -> None:
    for query, params in reads(conn, DEFAULT):
        found = page_snapshots.read(conn, query.sql, params)
        assert found is not None, f"{query.name} has no stored rows for the default view"
        live = run(conn, query.sql, params)
        assert len(live) > 0, f"{query.name} reads rows in the seeded store"
        same(read(conn, query, params), live)


@pytest.mark.parametrize(
    ("window", "stored"),
    [
        (Window(until=NOW, span=timedelta(days=30)), {"executive.risk_totals", "finance.buckets"}),
        (Window(until=NOW, span=DEFAULT_SPAN, flow="invoice_billing_to_erp"), {"finance.buckets"}),
        (Window(until=NOW, span=DEFAULT_SPAN, system="stripe"), {"finance.buckets"}),
        (Window(until=NOW - timedelta(days=1), span=DEFAULT_SPAN), {"finance.buckets"}),
    ],
    ids=["30 days", "one flow", "one system", "an older compute"],
)
def test_other_filters_read_live(
    conn: psycopg.Connection[Any], window: Window, stored: set[str]
) -> None:
    """A read whose SQL uses a parameter the filter changes runs live; one that does not use
    it (the unposted money has no time range or filter) is still the stored one."""
    for query, params in reads(conn, window):
        found = page_snapshots.read(conn, query.sql, params)
        assert (found is not None) == (query.name in stored), query.name
        same(read(conn, query, params), run(conn, query.sql, params))


def _largest_unposted(conn: psycopg.Connection[Any]) -> tuple[int, str, int]:
    """The open posting failure or silent miss with the most money: id, metric, amount."""
    row = conn.execute(
        "SELECT id, metric, abs(amount_minor) FROM exception_item WHERE resolved_at IS NULL "
        "AND metric = ANY (%s) ORDER BY abs(amount_minor) DESC, id LIMIT 1",
        (UNPOSTED_PARAMS["failure_metrics"],),
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1]), int(row[2])


def _resolve(conn: psycopg.Connection[Any], item: int) -> None:
    act(conn, "resolve", ItemFilter(ids=(item,)), actor="fiona", at=NOW, note="posted by hand")


def _store(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction():
        first_screens.store(conn, NOW, 0)


def _in_thread(action: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=action)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive(), "the second transaction waits for the first"
    return thread


def test_resolving_forgets_them_until_the_next_compute(
    conn: psycopg.Connection[Any], seeded_db: Database
) -> None:
    params = DEFAULT.params(**UNPOSTED_PARAMS)
    before = read(conn, finance.BUCKETS, params)
    item, metric, amount = _largest_unposted(conn)
    _resolve(conn, item)
    assert page_snapshots.read(conn, finance.BUCKETS.sql, params) is None
    after = read(conn, finance.BUCKETS, params)
    assert after["items"].sum() == before["items"].sum() - 1
    assert after["amount_minor"].sum() == before["amount_minor"].sum() - amount
    assert metric in set(after["metric"])

    later = NOW + timedelta(minutes=5)
    compute(seeded_db, Settings(), later)
    params = Window(until=later, span=DEFAULT_SPAN).params(**UNPOSTED_PARAMS)
    assert page_snapshots.read(conn, finance.BUCKETS.sql, params) is not None
    same(read(conn, finance.BUCKETS, params), run(conn, finance.BUCKETS.sql, params))
    totals = executive.RISK_TOTALS.sql
    assert page_snapshots.read(conn, totals, DEFAULT.params(**RISK_PARAMS)) is None


def test_a_resolve_during_the_compute_s_store_forgets_what_it_stored(
    conn: psycopg.Connection[Any], seeded_db: Database
) -> None:
    item, _, _ = _largest_unposted(conn)
    with seeded_db.connection() as computing, seeded_db.connection() as resolving:
        with computing.transaction():
            first_screens.store(computing, NOW, 0)
            resolve = _in_thread(lambda: _resolve(resolving, item))
        resolve.join()
    assert page_snapshots.read(conn, finance.BUCKETS.sql, DEFAULT.params(**UNPOSTED_PARAMS)) is None


def test_a_compute_storing_during_a_resolve_reads_what_it_resolved(
    conn: psycopg.Connection[Any], seeded_db: Database
) -> None:
    item, _, _ = _largest_unposted(conn)
    params = DEFAULT.params(**UNPOSTED_PARAMS)
    page_snapshots.forget(conn)  # nothing stored: no row the two transactions both delete
    with seeded_db.connection() as computing, seeded_db.connection() as resolving:
        with resolving.transaction():
            _resolve(resolving, item)
            storing = _in_thread(lambda: _store(computing))
        storing.join()
    assert page_snapshots.read(conn, finance.BUCKETS.sql, params) is not None
    same(read(conn, finance.BUCKETS, params), run(conn, finance.BUCKETS.sql, params))


def test_a_compute_at_an_earlier_instant_stores_its_own(seeded_db: Database) -> None:
    at = datetime(2026, 11, 20, 11, 55, tzinfo=NOW.tzinfo)
    compute(seeded_db, Settings(), at)
    with seeded_db.connection() as conn:
        stored = conn.execute("SELECT DISTINCT computed_at FROM page_snapshot").fetchall()
    assert stored == [(at,)]
