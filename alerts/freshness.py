"""How long each source may go without a successful poll, and whether it has had its chance.

A source's freshness limit follows its own cadence: ``1 + alerts.freshness.missed_polls`` poll
intervals, counted in the clock's time (the poll timers count wall-clock seconds, so under the
demo's 60× clock a 30 s interval is 30 simulated minutes), plus the 95th percentile of its recent
collect durations (each stream's, summed: a poll runs its streams one after the other), plus
``alerts.freshness.margin``. ``alerts.source_stale_after`` replaces it with one fixed limit.

After the service starts, a source whose first poll since then has not finished is not judged:
its freshness alert waits ("waiting for its first poll") until that poll finishes, or at most
``alerts.startup_grace`` (default: the source's limit) after the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from alerts.dependencies import SourceState
from core.clock import Clock, format_instant
from core.config import Settings

FRESHNESS_METRIC = "collector_freshness_seconds"
# Recent runs read per source to find each stream's last ``runs``: more than any source's streams.
_STREAMS_PER_SOURCE = 16

_COLLECT_DURATIONS = """
SELECT src, sum(p.p95)
FROM unnest(%(sources)s::text[]) AS src
CROSS JOIN LATERAL (
    SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY r.seconds) AS p95
    FROM (
        SELECT recent.stream, extract(epoch FROM recent.finished_at - recent.started_at) AS seconds,
               row_number() OVER (PARTITION BY recent.stream ORDER BY recent.started_at DESC) AS n
        FROM (
            -- The latest runs first, read along collector_run_source (source, started_at DESC).
            SELECT c.stream, c.status, c.started_at, c.finished_at FROM collector_run c
            WHERE c.source = src AND c.started_at <= %(now)s
            ORDER BY c.started_at DESC LIMIT %(scan)s
        ) AS recent
        WHERE recent.status IN ('success', 'partial') AND recent.finished_at IS NOT NULL
    ) AS r
    WHERE r.n <= %(runs)s
    GROUP BY r.stream
) AS p
GROUP BY src
"""


@dataclass(frozen=True, slots=True)
class ServiceClock:
    """The process evaluating alerts: when it started and how fast its clock runs."""

    started_at: datetime | None = None
    """When the service started, in the clock's time (None: a one-off evaluation, no grace)."""
    speed: float = 1.0
    """Clock seconds per wall-clock second."""

    @classmethod
    def of(cls, clock: Clock, *, started_at: datetime | None = None) -> ServiceClock:
        """The service clock of ``clock`` (a frozen clock counts poll intervals as they are)."""
        return cls(started_at, clock.speed or 1.0)


def cadence_limit(
    settings: Settings, source: str, *, speed: float = 1.0, collect: timedelta = timedelta(0)
) -> timedelta:
    """How long ``source`` may go without a successful poll, given its collect duration."""
    fixed = settings.alerts.source_stale_after
    if fixed is not None:
        return fixed
    freshness = settings.alerts.freshness
    interval = settings.sources[source].poll_interval * speed
    return interval * (1 + freshness.missed_polls) + collect + freshness.margin


def freshness_limits(
    conn: psycopg.Connection[Any], settings: Settings, service: ServiceClock, now: datetime
) -> dict[str, timedelta]:
    """Every enabled source's freshness limit as of ``now``, from its recent collect durations."""
    names = [n for n, s in settings.sources.items() if s.enabled]
    runs = settings.alerts.freshness.runs
    rows = conn.execute(
        _COLLECT_DURATIONS,
        {"sources": names, "now": now, "runs": runs, "scan": runs * _STREAMS_PER_SOURCE},
    ).fetchall()
    collect = {src: timedelta(seconds=float(seconds)) for src, seconds in rows}
    return {
        name: cadence_limit(
            settings, name, speed=service.speed, collect=collect.get(name, timedelta(0))
        )
        for name in names
    }


def waiting_for_first_poll(
    settings: Settings,
    service: ServiceClock,
    state: SourceState | None,
    limit: timedelta,
    now: datetime,
) -> str | None:
    """Why a source's freshness is not judged yet at ``now``, or None when it is.

    A source is waited for until a poll of it finishes after the service started, for at most
    the start-up grace.
    """
    started = service.started_at
    if started is None:
        return None
    last = state.last_attempt_at if state is not None else None
    if last is not None and last >= started:
        return None
    grace = settings.alerts.startup_grace or limit
    if now - started >= grace:
        return None
    return f"waiting for its first poll since syncwatch started at {format_instant(started)}"
