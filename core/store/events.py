"""Middleware log events: appended in bulk, exact replays stored once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from core.store.staging import stage_rows

COLUMNS = (
    "ts",
    "flow",
    "correlation_id",
    "source_system",
    "source_id",
    "target_system",
    "target_id",
    "status",
    "attempt",
    "error_code",
    "error_message",
    "duration_ms",
    "origin",
    "raw",
)


@dataclass(frozen=True, slots=True)
class LogEventRow:
    """One parsed middleware log line."""

    ts: datetime
    flow: str
    status: str
    raw: Mapping[str, Any]
    correlation_id: str | None = None
    source_system: str | None = None
    source_id: str | None = None
    target_system: str | None = None
    target_id: str | None = None
    attempt: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    duration_ms: int | None = None
    origin: str | None = None

    def row(self) -> tuple[Any, ...]:
        """The event as a binary COPY row in ``COLUMNS`` order."""
        return (
            self.ts,
            self.flow,
            self.correlation_id,
            self.source_system,
            self.source_id,
            self.target_system,
            self.target_id,
            self.status,
            self.attempt,
            self.error_code,
            self.error_message,
            self.duration_ms,
            self.origin,
            Jsonb(self.raw),
        )


COPY_TYPES = ("timestamptz", *["text"] * 7, "int4", "text", "text", "int4", "text", "jsonb")
_COLS = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
_STAGING = sql.SQL(
    "CREATE TEMP TABLE IF NOT EXISTS sync_event_staging ON COMMIT DELETE ROWS "
    "AS SELECT {} FROM sync_event WITH NO DATA"
).format(_COLS)
_COPY = sql.SQL("COPY sync_event_staging ({}) FROM STDIN (FORMAT BINARY)").format(_COLS)
# The key hashes the parsed line (jsonb text is normalised), so the same line read twice, or
# written twice by the middleware, is one event; where it was read from does not matter.
_APPEND = sql.SQL(
    """
    INSERT INTO sync_event ({cols}, event_key)
    SELECT DISTINCT ON (key) {cols}, key
    FROM (SELECT *, sha256(convert_to(raw::text, 'UTF8')) AS key FROM sync_event_staging) AS s
    ORDER BY key
    ON CONFLICT (event_key) DO NOTHING
    """
).format(cols=_COLS)


def append_events(conn: psycopg.Connection[Any], events: Iterable[LogEventRow]) -> int:
    """Append events, ignoring exact replays; return how many were new.

    Must run inside a transaction (the staging table empties on commit).
    """
    received = stage_rows(
        conn,
        create=_STAGING,
        copy=_COPY,
        types=COPY_TYPES,
        rows=(event.row() for event in events),
    )
    if not received:
        return 0
    cur = conn.execute(_APPEND)
    conn.execute("TRUNCATE sync_event_staging")
    return cur.rowcount
