"""Runs a source's streams: pages committed with their watermark, failures sorted into health."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg

from collectors import telemetry
from collectors.base import Page, Stream
from collectors.errors import BudgetExhaustedError, FatalSourceError, SchemaDriftError
from collectors.health import record_health
from collectors.http import RequestStats, SourceClient
from core.clock import Clock
from core.database import Database
from core.errors import DatabaseUnavailableError
from core.store.runs import (
    PageWrite,
    RunStatus,
    Watermark,
    commit_page,
    finish_run,
    get_watermark,
)
from core.store.runs import start_run as open_run

log = logging.getLogger(__name__)

DRIFT_SHARE = 0.5
"""A field missing from at least this share of a page's records is schema drift, not noise."""


class Connector(Protocol):
    """A configured source: its streams and the client they share."""

    name: str
    client: SourceClient | None

    def streams(self) -> Sequence[Stream]:
        """The streams to poll, in order."""

    def api_usage(self) -> dict[str, Any] | None:
        """The source's own report of API usage, if it gives one."""

    def close(self) -> None:
        """Release the connector's HTTP client."""


@dataclass
class StreamOutcome:
    """How one stream's run ended."""

    stream: str
    status: RunStatus
    records: int = 0
    changed: int = 0
    quarantined: int = 0
    error: str | None = None
    drift: SchemaDriftError | None = None


@dataclass
class SourceOutcome:
    """How one poll of a source ended."""

    source: str
    streams: list[StreamOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Every stream ran and no schema drift was seen."""
        return not self.problems

    @property
    def reason(self) -> str | None:
        """The first problem, as one line."""
        return self.problems[0] if self.problems else None


PageCallback = Callable[[str, str, Page], None]


def collect_source(
    db: Database, connector: Connector, *, clock: Clock, on_page: PageCallback | None = None
) -> SourceOutcome:
    """Poll every stream of ``connector`` once and record the source's health."""
    outcome = SourceOutcome(source=connector.name)
    try:
        # Autocommit: every page, run update and health record is its own explicit transaction,
        # so a page is durable (and visible) as soon as it is stored; an implicit transaction
        # here would turn them all into savepoints of one poll-long transaction.
        with db.connection(autocommit=True) as conn:
            for stream in connector.streams():
                result = _run_stream(conn, connector, stream, clock, on_page)
                outcome.streams.append(result)
                if result.error and (result.status == "failed" or result.drift is not None):
                    outcome.problems.append(result.error)
            record_health(
                conn,
                connector.name,
                healthy=outcome.healthy,
                reason=outcome.reason,
                at=clock.now(),
                api_usage=connector.api_usage(),
            )
    except psycopg.Error as exc:
        raise DatabaseUnavailableError(
            f"lost the database while collecting {connector.name}: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__} "
            "(the next run resumes from the last committed page)"
        ) from None
    return outcome


def _run_stream(
    conn: psycopg.Connection[Any],
    connector: Connector,
    stream: Stream,
    clock: Clock,
    on_page: PageCallback | None,
) -> StreamOutcome:
    source = connector.name
    run_id = open_run(conn, source, stream.name, clock.now())
    result = StreamOutcome(stream=stream.name, status="success")
    started = time.perf_counter()
    stats = connector.client.stats if connector.client else RequestStats()
    seen = RequestStats(stats.api_calls, stats.retries, stats.rate_limited)
    try:
        for page in stream.pages(get_watermark(conn, source, stream.name)):
            write = PageWrite(
                records=page.records,
                events=page.events,
                quarantined=page.quarantined,
                watermark=Watermark(source, stream.name, page.position)
                if page.position is not None
                else None,
                api_calls=stats.api_calls - seen.api_calls,
                retries=stats.retries - seen.retries,
                rate_limited=stats.rate_limited - seen.rate_limited,
            )
            _observe(source, stream.name, write)
            seen = RequestStats(stats.api_calls, stats.retries, stats.rate_limited)
            stored = commit_page(conn, run_id, write, at=clock.now())
            result.records += len(page.records) + len(page.events)
            result.changed += stored.upsert.changed + stored.new_events
            result.quarantined += len(page.quarantined)
            result.drift = result.drift or _drift(stream, page)
            if on_page is not None:
                on_page(source, stream.name, page)
    except BudgetExhaustedError as exc:
        result.status, result.error = "partial", str(exc)
    except FatalSourceError as exc:
        result.status, result.error = "failed", str(exc)
        log.warning("%s/%s failed: %s", source, stream.name, exc)
    if result.drift is not None and result.status == "success":
        result.status, result.error = "partial", str(result.drift)
    elif result.drift is not None:
        result.error = f"{result.error}; {result.drift}"
    finish_run(conn, run_id, result.status, at=clock.now(), error=result.error)
    telemetry.RUNS.labels(source, result.status).inc()
    telemetry.RUN_SECONDS.labels(source).observe(time.perf_counter() - started)
    return result


def _drift(stream: Stream, page: Page) -> SchemaDriftError | None:
    for name, count in page.missing_fields.items():
        if page.size and count >= DRIFT_SHARE * page.size:
            return SchemaDriftError(stream.name, stream.object_type, name, count, page.size)
    return None


def _observe(source: str, stream: str, write: PageWrite) -> None:
    telemetry.RECORDS.labels(source, stream).inc(len(write.records) + len(write.events))
    telemetry.QUARANTINED.labels(source, stream).inc(len(write.quarantined))
    telemetry.RETRIES.labels(source).inc(write.retries)
    telemetry.RATE_LIMITED.labels(source).inc(write.rate_limited)
