"""Store write path: 1M parsed records through the idempotent upsert, beside a raw COPY.

Both sides write the same rows in the same run. The upsert copies a page of new records straight
into source_record and merges any other page through a staging table with INSERT … ON CONFLICT
… WHERE changed; the baseline is a plain psycopg COPY of the same rows into a table with
source_record's shape and indexes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from benchmarks.common import DEFAULT_SERVER, peak_rss_mib, scratch_database
from core.store.records import COLUMNS, COPY_TYPES, CanonicalRecord, upsert_records

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def records(count: int, start: int = 0) -> Iterator[CanonicalRecord]:
    """Invoice-like records with realistic field widths."""
    for i in range(start, start + count):
        external_id = f"in_{i:024d}"
        created = T0 + timedelta(seconds=i)
        yield CanonicalRecord(
            system="stripe",
            object_type="invoice",
            external_id=external_id,
            payload={"id": external_id, "object": "invoice", "total": 1000 + i % 997,
                     "currency": "usd", "customer": f"cus_{i % 50000:014d}"},
            parent_ref=f"cus_{i % 50000:014d}",
            link_ref=f"sub_{i % 70000:024d}",
            name=f"INV-{i:08d}",
            status="paid",
            amount_minor=1000 + i % 997,
            currency="USD",
            created_at=created,
            updated_at=created + timedelta(hours=2),
            finalized_at=created + timedelta(minutes=5),
            paid_at=created + timedelta(hours=2),
        )  # fmt: skip


def pages(total: int, size: int) -> Iterator[list[CanonicalRecord]]:
    """The records as parsed pages (built outside the timed region)."""
    for start in range(0, total, size):
        yield list(records(min(size, total - start), start))


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=10_000, help="records per transaction")
    parser.add_argument("--server", default=DEFAULT_SERVER)
    args = parser.parse_args()
    seconds = {"raw COPY": 0.0, "upsert (insert)": 0.0, "upsert (re-read, nothing changed)": 0.0}
    counts = {"inserted": 0, "changed": 0}
    with scratch_database(args.server) as db, db.connection() as conn:
        # The baseline table has source_record's shape and indexes: the same work minus ours.
        conn.execute("CREATE TABLE raw_copy (LIKE source_record INCLUDING ALL)")
        conn.commit()
        copy_sql = f"COPY raw_copy ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        for page in pages(args.records, args.page):
            started = time.perf_counter()
            with conn.transaction(), conn.cursor().copy(copy_sql) as copy:
                copy.set_types(COPY_TYPES)
                for record in page:
                    copy.write_row(record.row())
            seconds["raw COPY"] += time.perf_counter() - started
            started = time.perf_counter()
            with conn.transaction():
                counts["inserted"] += upsert_records(conn, page, at=T0).inserted
            seconds["upsert (insert)"] += time.perf_counter() - started
        for page in pages(args.records, args.page):
            started = time.perf_counter()
            with conn.transaction():
                counts["changed"] += upsert_records(conn, page, at=T0).changed
            seconds["upsert (re-read, nothing changed)"] += time.perf_counter() - started
    assert counts == {"inserted": args.records, "changed": 0}, counts
    raw = seconds["raw COPY"]
    print(f"{args.records:,} parsed records, {args.page:,} per transaction (write time only)")
    for label, took in seconds.items():
        ratio = "" if label == "raw COPY" else f"   {took / raw:.2f}× raw COPY"
        print(f"  {label:<36} {took:7.2f} s  {args.records / took:>10,.0f} records/s{ratio}")
    print(f"  peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
