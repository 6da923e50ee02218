"""Store writes are idempotent, monotonic, safe under concurrency and atomic with the watermark."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from core.database import Database
from core.store.events import LogEventRow, append_events
from core.store.records import CanonicalRecord, upsert_records
from core.store.runs import (
    PageWrite,
    QuarantinedRecord,
    Watermark,
    close_abandoned,
    commit_page,
    finish_run,
    get_watermark,
    start_run,
)

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def invoice(i: int, *, total: int = 1000, updated: datetime = T0, rank: int = 1) -> CanonicalRecord:
    """A Stripe-style invoice, versioned by its event second and lifecycle rank."""
    return CanonicalRecord(
        system="stripe",
        object_type="invoice",
        external_id=f"in_{i:024d}",
        payload={"id": f"in_{i:024d}", "total": total},
        amount_minor=total,
        currency="USD",
        status="open",
        created_at=T0 - timedelta(days=1),
        updated_at=updated,
        finalized_at=T0,
        version_at=updated,
        version_rank=rank,
    )


def read(i: int, *, total: int, updated: datetime) -> CanonicalRecord:
    """A read of current state (as SOQL or SuiteQL gives one): it carries no version."""
    return replace(invoice(i, total=total, updated=updated), version_at=None, version_rank=0)


def upsert(db: Database, records: list[CanonicalRecord]) -> tuple[int, int]:
    with db.connection() as conn, conn.transaction():
        result = upsert_records(conn, records, at=T0)
    return result.inserted, result.updated


def stored(db: Database) -> dict[str, int]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT external_id, amount_minor FROM source_record ORDER BY 1"
        ).fetchall()
    return {r[0]: r[1] for r in rows}


def test_same_page_twice_changes_nothing(db: Database) -> None:
    page = [invoice(i) for i in range(500)]
    assert upsert(db, page) == (500, 0)
    assert upsert(db, page) == (0, 0)
    assert len(stored(db)) == 500


def test_one_changed_field_is_exactly_one_update(db: Database) -> None:
    page = [invoice(i) for i in range(100)]
    upsert(db, page)
    later = T0 + timedelta(minutes=1)
    page[42] = replace(page[42], status="paid", updated_at=later, version_at=later)
    assert upsert(db, page) == (0, 1)
    with db.connection() as conn:
        row = conn.execute(
            "SELECT status FROM source_record WHERE external_id = %s", (page[42].external_id,)
        ).fetchone()
    assert row == ("paid",)


def test_an_older_version_never_overwrites_a_newer_one(db: Database) -> None:
    newer = invoice(1, total=2000, updated=T0 + timedelta(hours=1))
    upsert(db, [newer])
    assert upsert(db, [invoice(1, total=1000, updated=T0)]) == (0, 0)
    assert stored(db) == {newer.external_id: 2000}


def test_a_same_second_tie_is_broken_by_the_lifecycle_and_never_by_arrival(
    db: Database,
) -> None:
    paid = replace(invoice(1, total=2000, rank=3), status="paid", paid_at=T0)
    upsert(db, [paid])
    # The finalized event of the same second arrives later (a later events page).
    assert upsert(db, [invoice(1, total=1000, rank=1)]) == (0, 0)
    # An equal version that differs is no proof either: the stored one stays.
    assert upsert(db, [replace(paid, name="other")]) == (0, 0)
    assert stored(db) == {paid.external_id: 2000}


def test_a_read_of_current_state_wins_whatever_its_timestamp_says(db: Database) -> None:
    upsert(db, [read(3, total=1000, updated=T0)])
    # A correction read later whose local modification time reads an hour early.
    assert upsert(db, [read(3, total=1010, updated=T0 - timedelta(hours=1))]) == (0, 1)
    assert stored(db) == {f"in_{3:024d}": 1010}


def test_a_page_repeating_a_record_keeps_the_newest(db: Database) -> None:
    old, new = invoice(7, total=1), invoice(7, total=2, updated=T0 + timedelta(seconds=1))
    assert upsert(db, [old, new, old]) == (1, 0)
    assert stored(db) == {old.external_id: 2}


def test_a_new_page_holding_one_stored_record_still_merges(db: Database) -> None:
    # The page looks new to the sampled probe (record 5 is not sampled), so it is copied
    # straight in until the stored key stops the copy and the staging merge takes over.
    upsert(db, [invoice(5, total=1)])
    page = [invoice(i, total=1000 + i, updated=T0 + timedelta(minutes=1)) for i in range(100)]
    assert upsert(db, page) == (99, 1)
    assert stored(db) == {f"in_{i:024d}": 1000 + i for i in range(100)}


def test_ids_compare_byte_wise(db: Database) -> None:
    a = replace(invoice(1), external_id="001AAAAAAAAAAAAaaa")
    b = replace(invoice(2), external_id="001AAAAAAAAAAAAAAA")
    assert upsert(db, [a, b]) == (2, 0)
    assert set(stored(db)) == {a.external_id, b.external_id}


def test_concurrent_writers_of_overlapping_pages(db: Database) -> None:
    first = [invoice(i, total=1000 + i) for i in range(0, 3000)]
    second = [invoice(i, total=1000 + i) for i in range(1500, 4500)]
    failures: list[BaseException] = []
    barrier = threading.Barrier(2)

    def write(page: list[CanonicalRecord]) -> None:
        try:
            for _ in range(3):
                barrier.wait(timeout=30)
                upsert(db, page)
        except BaseException as exc:  # collected and asserted on below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    assert stored(db) == {f"in_{i:024d}": 1000 + i for i in range(4500)}


def log_event(i: int, status: str = "success") -> LogEventRow:
    raw = {"ts": f"2026-11-20T10:00:{i:02d}.000Z", "flow": "invoice_billing_to_erp", "n": i}
    return LogEventRow(
        ts=T0 + timedelta(seconds=i),
        flow="invoice_billing_to_erp",
        status=status,
        raw=raw,
        correlation_id=f"c-{i}",
        source_id=f"in_{i}",
    )


def test_exact_log_replays_are_stored_once(db: Database) -> None:
    events = [log_event(i) for i in range(10)]
    with db.connection() as conn, conn.transaction():
        assert append_events(conn, events + events[:3]) == 10
    with db.connection() as conn, conn.transaction():
        assert append_events(conn, events) == 0
        assert append_events(conn, [log_event(10)]) == 1
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM sync_event").fetchone() == (11,)


def test_page_watermark_and_run_commit_together(db: Database) -> None:
    with db.connection() as conn:
        run = start_run(conn, "stripe", "invoices", T0)
        result = commit_page(
            conn,
            run,
            PageWrite(
                "stripe",
                "invoice",
                records=[invoice(1), invoice(2)],
                events=[log_event(1)],
                quarantined=[
                    QuarantinedRecord(
                        "stripe", "invoice", "total is not a number", '{"x":1}', "in_9"
                    )
                ],
                watermark=Watermark("stripe", "invoices", {"created": 1763632800}),
                api_calls=2,
                retries=1,
                rate_limited=1,
            ),
            at=T0,
        )
        assert result.upsert.inserted == 2 and result.new_events == 1 and result.quarantined == 1
        finish_run(conn, run, "success", at=T0 + timedelta(seconds=3))
        assert get_watermark(conn, "stripe", "invoices") == {"created": 1763632800}
        row = conn.execute(
            "SELECT status, pages, records, changed, api_calls, retries, rate_limited, quarantined "
            "FROM collector_run WHERE id = %s",
            (run,),
        ).fetchone()
    assert row == ("success", 1, 3, 3, 2, 1, 1, 1)


def page_of(*records: CanonicalRecord, position: dict[str, Any]) -> PageWrite:
    return PageWrite(
        "billing", "invoice", records=records, watermark=Watermark("billing", "invoices", position)
    )


def test_a_failing_page_leaves_the_watermark_where_it_was(db: Database) -> None:
    with db.connection() as conn:
        run = start_run(conn, "billing", "invoices", T0)
        commit_page(conn, run, page_of(invoice(1), position={"p": 1}), at=T0)
        # A position the store cannot hold fails the page whole, even row by row.
        with pytest.raises(psycopg.errors.UntranslatableCharacter):
            commit_page(conn, run, page_of(invoice(3), position={"p": "2\x00"}), at=T0)
        assert get_watermark(conn, "billing", "invoices") == {"p": 1}
    assert set(stored(db)) == {invoice(1).external_id}


def test_a_record_the_store_refuses_is_quarantined_and_the_rest_land(db: Database) -> None:
    bad_currency = replace(invoice(2), currency="DOLLARS")
    nul_name = replace(invoice(3), name="Acme\x00 Inc")
    with db.connection() as conn:
        run = start_run(conn, "billing", "invoices", T0)
        result = commit_page(
            conn, run, page_of(invoice(1), bad_currency, nul_name, position={"p": 2}), at=T0
        )
        assert get_watermark(conn, "billing", "invoices") == {"p": 2}
        quarantined = conn.execute(
            "SELECT source, object_type, external_id, reason, run_id FROM quarantine "
            "ORDER BY external_id"
        ).fetchall()
        counters = conn.execute(
            "SELECT records, changed, quarantined FROM collector_run WHERE id = %s", (run,)
        ).fetchone()
    assert set(stored(db)) == {invoice(1).external_id}
    assert result.upsert.inserted == 1 and result.quarantined == 2 and len(result.refused) == 2
    assert [q[:3] for q in quarantined] == [
        ("billing", "invoice", bad_currency.external_id),
        ("billing", "invoice", nul_name.external_id),
    ]
    assert "the store refused it: value too long for type character(3)" in quarantined[0][3]
    assert "0x00" in quarantined[1][3] and {q[4] for q in quarantined} == {run}
    assert counters == (3, 1, 2)


def test_quarantine_keeps_a_storable_bounded_excerpt(db: Database) -> None:
    garbage = "\x00\ud800" + "x" * 5_000_000
    item = QuarantinedRecord(
        "logs", "sync_event", "not JSON\x00" + "!" * 5000, garbage, "id\x00" * 100, "a.jsonl:1"
    )
    with db.connection() as conn:
        run = start_run(conn, "logs", "events", T0)
        commit_page(conn, run, PageWrite("logs", "sync_event", quarantined=[item]), at=T0)
        commit_page(conn, run, PageWrite("logs", "sync_event", quarantined=[item]), at=T0)
        row = conn.execute(
            "SELECT payload, reason, external_id, times_seen FROM quarantine"
        ).fetchone()
    assert row is not None
    payload, reason, external_id, times_seen = row
    assert payload.startswith("\ufffd\ufffdxxx") and len(payload) < 17_000
    assert payload.endswith("[4,983,618 more characters]")
    assert reason.startswith("not JSON\ufffd!!!") and len(reason) < 1_100
    assert external_id.startswith("id\ufffdid") and len(external_id) < 300
    assert times_seen == 2


def wait_until_gone(db: Database, pid: int) -> None:
    """Wait for the server to end the backend of a closed connection (it takes a moment)."""
    deadline = time.monotonic() + 10
    with db.connection(autocommit=True) as conn:
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} still there"
            time.sleep(0.02)


def test_runs_of_a_session_that_is_gone_are_closed_as_abandoned(db: Database) -> None:
    with db.connection() as dead:
        dead_run = start_run(dead, "billing", "invoices", T0)
        pid = dead.info.backend_pid
    wait_until_gone(db, pid)
    with db.connection() as conn:
        live_run = start_run(conn, "billing", "customers", T0)
        other = start_run(conn, "crm", "accounts", T0)
        with db.connection() as closer:
            closed = close_abandoned(closer, "billing", at=T0 + timedelta(minutes=5))
            assert close_abandoned(closer, "billing", at=T0 + timedelta(minutes=6)) == []
        rows = dict(conn.execute("SELECT id, status FROM collector_run").fetchall())
        finished = conn.execute(
            "SELECT finished_at, error FROM collector_run WHERE id = %s", (dead_run,)
        ).fetchone()
    assert [(r.id, r.stream, r.started_at) for r in closed] == [(dead_run, "invoices", T0)]
    assert rows == {dead_run: "abandoned", live_run: "running", other: "running"}
    assert finished is not None and finished[0] == T0 + timedelta(minutes=5)
    assert "abandoned" in finished[1]


def test_the_same_bad_record_is_quarantined_once(db: Database) -> None:
    bad = QuarantinedRecord(
        "netsuite", "invoice", "foreigntotal is not a decimal", '{"id":"5"}', "5"
    )
    with db.connection() as conn:
        run = start_run(conn, "netsuite", "invoices", T0)
        for _ in range(3):
            commit_page(conn, run, PageWrite("netsuite", "invoice", quarantined=[bad]), at=T0)
        row = conn.execute("SELECT count(*), max(times_seen) FROM quarantine").fetchone()
    assert row == (1, 3)
