"""Collector runs, watermarks and quarantine, committed together with the rows they cover."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import psycopg

from core.store.events import LogEventRow, append_events
from core.store.records import CanonicalRecord, UpsertResult, upsert_records

RunStatus = Literal["running", "success", "partial", "failed"]


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    """A record that could not be parsed, kept with the reason so nothing is silently lost."""

    source: str
    object_type: str
    reason: str
    payload: str
    external_id: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Watermark:
    """The incremental position of one stream of one source."""

    source: str
    stream: str
    position: dict[str, Any]


@dataclass(slots=True)
class PageWrite:
    """Everything one fetched page changes, written in one transaction."""

    records: Sequence[CanonicalRecord] = ()
    events: Sequence[LogEventRow] = ()
    quarantined: Sequence[QuarantinedRecord] = ()
    watermark: Watermark | None = None
    api_calls: int = 0
    retries: int = 0
    rate_limited: int = 0
    pages: int = 1


@dataclass(frozen=True, slots=True)
class PageResult:
    """What one page commit stored."""

    upsert: UpsertResult = field(default_factory=UpsertResult)
    new_events: int = 0
    quarantined: int = 0


def start_run(conn: psycopg.Connection[Any], source: str, stream: str | None, at: datetime) -> int:
    """Record that a run began (committed at once, so a crashed run stays visible)."""
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO collector_run (source, stream, started_at, status) "
            "VALUES (%s, %s, %s, 'running') RETURNING id",
            (source, stream, at),
        ).fetchone()
    assert row is not None
    return int(row[0])


def commit_page(
    conn: psycopg.Connection[Any], run_id: int, page: PageWrite, *, at: datetime
) -> PageResult:
    """Store a page's rows, its quarantine, the run's counters and the new watermark atomically.

    A crash before the commit leaves the old watermark, so the page is read again; a crash
    after it leaves nothing to redo. Either way no row is skipped or stored twice.
    """
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("commit_page needs a connection outside a transaction")
    with conn.transaction():
        upsert = upsert_records(conn, page.records, at=at)
        new_events = append_events(conn, page.events)
        quarantined = quarantine(conn, page.quarantined, run_id=run_id, at=at)
        conn.execute(
            "UPDATE collector_run SET pages = pages + %s, records = records + %s, "
            "changed = changed + %s, api_calls = api_calls + %s, retries = retries + %s, "
            "rate_limited = rate_limited + %s, quarantined = quarantined + %s WHERE id = %s",
            (
                page.pages,
                len(page.records) + len(page.events),
                upsert.changed + new_events,
                page.api_calls,
                page.retries,
                page.rate_limited,
                len(page.quarantined),
                run_id,
            ),
        )
        if page.watermark is not None:
            set_watermark(conn, page.watermark, run_id=run_id, at=at)
    return PageResult(upsert=upsert, new_events=new_events, quarantined=quarantined)


def finish_run(
    conn: psycopg.Connection[Any],
    run_id: int,
    status: RunStatus,
    *,
    at: datetime,
    error: str | None = None,
) -> None:
    """Close a run with its outcome."""
    with conn.transaction():
        conn.execute(
            "UPDATE collector_run SET status = %s, finished_at = %s, error = %s WHERE id = %s",
            (status, at, error, run_id),
        )


def get_watermark(conn: psycopg.Connection[Any], source: str, stream: str) -> dict[str, Any] | None:
    """The stored position of a stream, or None before its first page."""
    row = conn.execute(
        "SELECT position FROM watermark WHERE source = %s AND stream = %s", (source, stream)
    ).fetchone()
    return None if row is None else dict(row[0])


def set_watermark(
    conn: psycopg.Connection[Any], mark: Watermark, *, run_id: int | None, at: datetime
) -> None:
    """Store a stream's position (call inside the transaction that wrote its rows)."""
    conn.execute(
        "INSERT INTO watermark (source, stream, position, run_id, updated_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (source, stream) DO UPDATE "
        "SET position = EXCLUDED.position, run_id = EXCLUDED.run_id, "
        "updated_at = EXCLUDED.updated_at",
        (mark.source, mark.stream, json.dumps(mark.position), run_id, at),
    )


def quarantine(
    conn: psycopg.Connection[Any],
    items: Iterable[QuarantinedRecord],
    *,
    run_id: int | None,
    at: datetime,
) -> int:
    """Keep unparseable records with their reason; the same bad record is kept once."""
    rows = [
        (
            q.source,
            q.object_type,
            q.external_id,
            q.reason,
            q.payload,
            q.location,
            hashlib.sha256(q.payload.encode()).digest(),
            run_id,
            at,
            at,
        )
        for q in items
    ]
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO quarantine (source, object_type, external_id, reason, payload, location, "
            "payload_key, run_id, first_seen_at, last_seen_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (source, object_type, payload_key) DO UPDATE "
            "SET last_seen_at = EXCLUDED.last_seen_at, times_seen = quarantine.times_seen + 1, "
            "reason = EXCLUDED.reason, run_id = EXCLUDED.run_id",
            rows,
        )
    return len(rows)
