"""Collector runs, watermarks and quarantine, committed together with the rows they cover.

A page the store refuses for one row's data (psycopg's DataError, IntegrityError, or an index
entry too large) is written again row by row, each row in a savepoint: the good rows land, the
refused ones are quarantined with the database's reason, and the watermark still moves, so one
bad record never blocks its stream. A run records the database session that runs it; a run left
``running`` by a session that is gone (its process died) is closed as ``abandoned``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import psycopg

from core.store.deletions import Deletion, PresentKeys, mark_deleted, mark_missing
from core.store.events import LogEventRow, append_events
from core.store.records import CanonicalRecord, UpsertResult, upsert_records
from core.store.text import as_text, clean, excerpt

RunStatus = Literal["running", "success", "partial", "failed", "abandoned"]

REFUSED_ROW = (
    psycopg.errors.DataError,
    psycopg.errors.IntegrityError,
    psycopg.errors.ProgramLimitExceeded,
)
"""What the store raises for one row's data, as opposed to a lost or broken connection."""
REASON_CHARS = 1_000
KEY_CHARS = 255


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    """A record that could not be parsed, kept with the reason so nothing is silently lost."""

    source: str
    object_type: str
    reason: str
    payload: str
    external_id: str | None = None
    location: str | None = None
    digest: bytes | None = None
    """sha256 of the whole record when ``payload`` holds only its start (an over-long line)."""


@dataclass(frozen=True, slots=True)
class AbandonedRun:
    """A run whose process died while it was running, as closed."""

    id: int
    stream: str | None
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Watermark:
    """The incremental position of one stream of one source."""

    source: str
    stream: str
    position: dict[str, Any]


@dataclass(slots=True)
class PageWrite:
    """Everything one fetched page of ``source``'s ``object_type`` stream changes, in one
    transaction; ``cleaned`` counts the refused code points admission replaced."""

    source: str
    object_type: str
    records: Sequence[CanonicalRecord] = ()
    events: Sequence[LogEventRow] = ()
    quarantined: Sequence[QuarantinedRecord] = ()
    deletions: Sequence[Deletion] = ()
    present: PresentKeys | None = None
    watermark: Watermark | None = None
    api_calls: int = 0
    retries: int = 0
    rate_limited: int = 0
    cleaned: int = 0
    pages: int = 1


@dataclass(frozen=True, slots=True)
class PageResult:
    """What one page commit stored."""

    upsert: UpsertResult = field(default_factory=UpsertResult)
    new_events: int = 0
    quarantined: int = 0
    deleted: int = 0
    refused: tuple[QuarantinedRecord, ...] = ()
    """Rows the store refused on the row-by-row retry, quarantined with its reason."""


def start_run(conn: psycopg.Connection[Any], source: str, stream: str | None, at: datetime) -> int:
    """Record that a run began (committed at once, so a crashed run stays visible), with the
    database session running it, which tells a live run from one whose process died."""
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO collector_run "
            "(source, stream, started_at, status, backend_pid, backend_started_at) "
            "VALUES (%s, %s, %s, 'running', pg_backend_pid(), "
            "(SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())) "
            "RETURNING id",
            (source, stream, at),
        ).fetchone()
    assert row is not None
    return int(row[0])


def close_abandoned(
    conn: psycopg.Connection[Any], source: str, *, at: datetime
) -> list[AbandonedRun]:
    """Close as ``abandoned`` the runs of ``source`` still ``running`` whose session is gone."""
    with conn.transaction():
        rows = conn.execute(
            "UPDATE collector_run SET status = 'abandoned', finished_at = %s, "
            "error = 'abandoned: the process running it stopped before it finished' "
            "WHERE source = %s AND status = 'running' "
            "AND collector_run_orphaned(backend_pid, backend_started_at) "
            "RETURNING id, stream, started_at",
            (at, source),
        ).fetchall()
    return [AbandonedRun(int(i), stream, started) for i, stream, started in sorted(rows)]


def commit_page(
    conn: psycopg.Connection[Any], run_id: int, page: PageWrite, *, at: datetime
) -> PageResult:
    """Store a page's rows, its quarantine, the run's counters and the new watermark atomically.

    A crash before the commit leaves the old watermark, so the page is read again; a crash
    after it leaves nothing to redo. Either way no row is skipped or stored twice. A page the
    store refuses for a row's data is written again row by row (see the module docstring); what
    still fails then (the watermark, the counters) raises.
    """
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("commit_page needs a connection outside a transaction")
    try:
        with conn.transaction():
            return _write(conn, run_id, page, at, _bulk(conn, page, at))
    except REFUSED_ROW:
        if conn.closed:
            raise
    with conn.transaction():
        return _write(conn, run_id, page, at, _row_by_row(conn, page, at))


def _bulk(conn: psycopg.Connection[Any], page: PageWrite, at: datetime) -> PageResult:
    upsert = upsert_records(conn, page.records, at=at)
    new_events = append_events(conn, page.events)
    deleted = mark_deleted(conn, page.deletions, at=at)
    return PageResult(upsert=upsert, new_events=new_events, deleted=deleted)


def _row_by_row(conn: psycopg.Connection[Any], page: PageWrite, at: datetime) -> PageResult:
    upsert, new_events, deleted = UpsertResult(), 0, 0
    refused: list[QuarantinedRecord] = []

    def refuse(
        exc: psycopg.Error, payload: object, external_id: str | None, origin: str | None
    ) -> None:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        refused.append(
            QuarantinedRecord(
                source=page.source,
                object_type=page.object_type,
                reason=f"the store refused it: {reason}",
                payload=as_text(payload),
                external_id=external_id,
                location=origin,
            )
        )

    for record in page.records:
        try:
            with conn.transaction():
                upsert += upsert_records(conn, [record], at=at)
        except REFUSED_ROW as exc:
            refuse(exc, record.payload, record.external_id, None)
    for event in page.events:
        try:
            with conn.transaction():
                new_events += append_events(conn, [event])
        except REFUSED_ROW as exc:
            refuse(exc, event.raw, event.correlation_id, event.origin)
    for deletion in page.deletions:
        try:
            with conn.transaction():
                deleted += mark_deleted(conn, [deletion], at=at)
        except REFUSED_ROW as exc:
            refuse(exc, {"deleted": deletion.external_id}, deletion.external_id, None)
    return PageResult(upsert=upsert, new_events=new_events, deleted=deleted, refused=tuple(refused))


def _write(
    conn: psycopg.Connection[Any], run_id: int, page: PageWrite, at: datetime, rows: PageResult
) -> PageResult:
    """The rest of a page after its rows: quarantine, deletions by listing, counters, watermark."""
    quarantined = quarantine(conn, [*page.quarantined, *rows.refused], run_id=run_id, at=at)
    deleted = rows.deleted
    if page.present is not None:
        deleted += mark_missing(conn, page.present, at=at)
    conn.execute(
        "UPDATE collector_run SET pages = pages + %s, records = records + %s, "
        "changed = changed + %s, api_calls = api_calls + %s, retries = retries + %s, "
        "rate_limited = rate_limited + %s, quarantined = quarantined + %s, "
        "cleaned = cleaned + %s WHERE id = %s",
        (
            page.pages,
            len(page.records) + len(page.events) + len(page.deletions),
            rows.upsert.changed + rows.new_events + deleted,
            page.api_calls,
            page.retries,
            page.rate_limited,
            quarantined,
            page.cleaned,
            run_id,
        ),
    )
    if page.watermark is not None:
        set_watermark(conn, page.watermark, run_id=run_id, at=at)
    return PageResult(
        upsert=rows.upsert,
        new_events=rows.new_events,
        quarantined=quarantined,
        deleted=deleted,
        refused=rows.refused,
    )


def finish_run(
    conn: psycopg.Connection[Any],
    run_id: int,
    status: RunStatus,
    *,
    at: datetime,
    error: str | None = None,
) -> None:
    """Close a run with its outcome (the error made storable: it may quote source text)."""
    with conn.transaction():
        conn.execute(
            "UPDATE collector_run SET status = %s, finished_at = %s, error = %s WHERE id = %s",
            (status, at, clean(excerpt(error, REASON_CHARS)) if error else error, run_id),
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
    """Keep unparseable records with their reason; the same bad record is kept once.

    What is kept is storable whatever the record held: its text cleaned (see core.store.text),
    the payload cut to an excerpt, the reason and keys bounded. The same record is recognised
    by a digest of all of it, taken before it is cut.
    """
    rows = [
        (
            clean(q.source),
            clean(q.object_type),
            clean(excerpt(q.external_id, KEY_CHARS)) if q.external_id is not None else None,
            clean(excerpt(q.reason, REASON_CHARS)),
            clean(excerpt(q.payload)),
            clean(excerpt(q.location, KEY_CHARS)) if q.location is not None else None,
            q.digest or hashlib.sha256(q.payload.encode("utf-8", "surrogatepass")).digest(),
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
