"""Source health: whether a source's last poll worked, and why not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from core.store.runs import REASON_CHARS
from core.store.text import clean, excerpt


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's health as stored."""

    source: str
    healthy: bool
    reason: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None


def record_health(
    conn: psycopg.Connection[Any],
    source: str,
    *,
    healthy: bool,
    reason: str | None,
    at: datetime,
    api_usage: dict[str, Any] | None = None,
) -> None:
    """Store the outcome of a poll; ``changed_at`` moves only when health flips.

    The reason is made storable and bounded: it may quote what a source sent. The health
    covers the source's runs so far (``runs_through``); collector_healthy.sql counts a later
    run that failed or died against the source even before the next poll records it.
    """
    with conn.transaction():
        conn.execute(
            """
            INSERT INTO source_health AS h
                (source, healthy, reason, changed_at, last_attempt_at, last_success_at, api_usage,
                 runs_through)
            VALUES (%(source)s, %(healthy)s, %(reason)s, %(at)s, %(at)s,
                    CASE WHEN %(healthy)s THEN %(at)s::timestamptz END, %(usage)s,
                    (SELECT max(id) FROM collector_run WHERE source = %(source)s))
            ON CONFLICT (source) DO UPDATE SET
                changed_at = CASE WHEN h.healthy IS DISTINCT FROM EXCLUDED.healthy
                                  THEN EXCLUDED.changed_at ELSE h.changed_at END,
                healthy = EXCLUDED.healthy,
                reason = EXCLUDED.reason,
                last_attempt_at = EXCLUDED.last_attempt_at,
                last_success_at = COALESCE(EXCLUDED.last_success_at, h.last_success_at),
                api_usage = COALESCE(EXCLUDED.api_usage, h.api_usage),
                runs_through = EXCLUDED.runs_through
            """,
            {
                "source": source,
                "healthy": healthy,
                "reason": clean(excerpt(reason, REASON_CHARS)) if reason else reason,
                "at": at,
                "usage": json.dumps(api_usage) if api_usage is not None else None,
            },
        )


def read_health(conn: psycopg.Connection[Any]) -> list[SourceHealth]:
    """Every source's stored health, by name."""
    rows = conn.execute(
        "SELECT source, healthy, reason, last_attempt_at, last_success_at "
        "FROM source_health ORDER BY source"
    ).fetchall()
    return [SourceHealth(*row) for row in rows]
