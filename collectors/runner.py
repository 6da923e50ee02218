"""Runs a source's streams: pages committed with their watermark, failures sorted into health.

Every page is admitted (``collectors.admission``) before it is committed. A statement the store
refuses is a failed stream, reported with the database's reason; only a connection that is gone
is a lost database. A poll first closes the runs of its source that a dead process left
``running``, and reports them in the source's health.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg

from collectors import telemetry
from collectors.admission import admit
from collectors.base import Page, Stream
from collectors.errors import (
    BudgetExhaustedError,
    FatalSourceError,
    PollStoppedError,
    SchemaDriftError,
)
from collectors.health import record_health
from collectors.http import RequestStats, SourceClient
from core.clock import Clock, format_instant
from core.config.sources import RecordLimits
from core.database import Database
from core.errors import DatabaseUnavailableError
from core.store.runs import (
    PageWrite,
    RunStatus,
    Watermark,
    close_abandoned,
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

    @property
    def limits(self) -> RecordLimits:
        """How much text one record may carry (the source's configured limits)."""

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
    cleaned: int = 0
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
    db: Database,
    connector: Connector,
    *,
    clock: Clock,
    on_page: PageCallback | None = None,
    stop: threading.Event | None = None,
) -> SourceOutcome:
    """Poll every stream of ``connector`` once and record the source's health.

    Once ``stop`` is set the poll ends after the page in hand is committed: the stream's run is
    recorded partial as interrupted, the source's health is left as it was, and
    PollStoppedError is raised.
    """
    outcome = SourceOutcome(source=connector.name)
    # Autocommit: every page, run update and health record is its own explicit transaction,
    # so a page is durable (and visible) as soon as it is stored; an implicit transaction
    # here would turn them all into savepoints of one poll-long transaction.
    with db.connection(autocommit=True) as conn:
        try:
            _close_abandoned(conn, connector.name, clock, outcome)
            for stream in connector.streams():
                result = _run_stream(conn, connector, stream, clock, on_page, stop)
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
            if not _lost(conn):
                # Refused outside any stream (a schema this code does not expect): a fault
                # to show as it is, not a lost database.
                raise
            raise DatabaseUnavailableError(
                f"lost the database while collecting {connector.name}: {_first_line(exc)} "
                "(the next run resumes from the last committed page)"
            ) from None
    return outcome


def _close_abandoned(
    conn: psycopg.Connection[Any], source: str, clock: Clock, outcome: SourceOutcome
) -> None:
    """Close the runs a dead process left running; the source is unhealthy from now on."""
    closed = close_abandoned(conn, source, at=clock.now())
    if not closed:
        return
    outcome.problems.extend(
        f"{source}/{run.stream}: run {run.id} started {format_instant(run.started_at)} was "
        "abandoned (its process stopped before it finished); collection resumed from its last "
        "committed page"
        for run in closed
    )
    record_health(conn, source, healthy=False, reason=outcome.reason, at=clock.now())


def _lost(conn: psycopg.Connection[Any]) -> bool:
    """Whether the connection is gone, as opposed to one statement having been refused."""
    return conn.closed


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _run_stream(
    conn: psycopg.Connection[Any],
    connector: Connector,
    stream: Stream,
    clock: Clock,
    on_page: PageCallback | None,
    stop: threading.Event | None,
) -> StreamOutcome:
    source = connector.name
    stopped: PollStoppedError | None = None
    run_id = open_run(conn, source, stream.name, clock.now())
    result = StreamOutcome(stream=stream.name, status="success")
    started = time.perf_counter()
    stats = connector.client.stats if connector.client else RequestStats()
    seen = RequestStats(stats.api_calls, stats.retries, stats.rate_limited)
    try:
        for page in stream.pages(get_watermark(conn, source, stream.name)):
            admit(page, connector.limits)
            write = PageWrite(
                source=source,
                object_type=page.object_type,
                records=page.records,
                events=page.events,
                quarantined=page.quarantined,
                deletions=page.deletions,
                present=page.present,
                watermark=Watermark(source, stream.name, page.position)
                if page.position is not None
                else None,
                api_calls=stats.api_calls - seen.api_calls,
                retries=stats.retries - seen.retries,
                rate_limited=stats.rate_limited - seen.rate_limited,
                cleaned=page.cleaned,
            )
            _observe(source, stream.name, write)
            seen = RequestStats(stats.api_calls, stats.retries, stats.rate_limited)
            stored = commit_page(conn, run_id, write, at=clock.now())
            result.records += len(page.records) + len(page.events) + len(page.deletions)
            result.changed += stored.upsert.changed + stored.new_events + stored.deleted
            result.quarantined += stored.quarantined
            result.cleaned += page.cleaned
            telemetry.QUARANTINED.labels(source, stream.name).inc(len(stored.refused))
            result.drift = result.drift or _drift(stream, page)
            if on_page is not None:
                on_page(source, stream.name, page)
            if stop is not None and stop.is_set():
                raise PollStoppedError(f"{source}: stopped after a committed page")
    except BudgetExhaustedError as exc:
        result.status, result.error = "partial", str(exc)
    except PollStoppedError as exc:
        result.status, result.error, stopped = "partial", f"interrupted: {exc}", exc
    except FatalSourceError as exc:
        result.status, result.error = "failed", str(exc)
        log.warning("%s/%s failed: %s", source, stream.name, exc)
    except psycopg.Error as exc:
        if _lost(conn):
            raise
        result.status = "failed"
        result.error = f"{source}/{stream.name}: the store refused a page: {_first_line(exc)}"
        log.warning("%s", result.error)
    if result.drift is not None and result.status == "success":
        result.status, result.error = "partial", str(result.drift)
    elif result.drift is not None:
        result.error = f"{result.error}; {result.drift}"
    finish_run(conn, run_id, result.status, at=clock.now(), error=result.error)
    telemetry.RUNS.labels(source, result.status).inc()
    telemetry.RUN_SECONDS.labels(source).observe(time.perf_counter() - started)
    if stopped is not None:
        raise stopped
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
