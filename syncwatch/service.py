"""The scheduler: every job of syncwatch on its cadence, once across all workers.

Each source is polled at its own interval, metrics are computed soon after new data arrives
(and at least every ``COMPUTE_EVERY``), alerts are evaluated after each compute, the outbox is
drained, history is rolled up, match suggestions are refreshed, the weekly report goes out on
its cron and, with ``fx.source`` set, the ECB reference rates are loaded at start and on their
cron. With ``slack.interactivity`` configured it also receives the clicks on alerts' Slack
buttons (an HTTP endpoint, or a Socket Mode connection). A job
never runs twice at once: APScheduler allows one instance per process and coalesces missed runs
into one, and a PostgreSQL advisory lock per job keeps two ``syncwatch run`` processes on one
database from running the same job together. Polls, rollups and match refreshes also run once
per interval across all workers: each records its start in ``job_start``, and a worker whose
timer fires soon after another worker's run skips its own.

A stop is bounded by ``STOP_GRACE_SECONDS``: polls abandon their retries and waits at once and
end after the page in hand is committed (the run recorded as interrupted, the source's health
untouched, the poll's interval claim released so the next start polls at once); other jobs get
the rest of the grace to finish, and whatever still runs then is left to the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import Counter, Histogram

from alerts.engine import evaluate_alerts
from alerts.freshness import ServiceClock
from alerts.outbox import deliver_due
from alerts.slack_interactivity import Interactivity, start_interactivity
from alerts.weekly_message import send_weekly_report
from collectors.errors import PollStoppedError
from collectors.registry import build_connector
from collectors.runner import collect_source
from core.clock import Clock
from core.config import Settings
from core.database import Database
from core.errors import DatabaseUnavailableError
from core.fx.load import load_rates
from core.locks import advisory_lock
from metrics.engine import compute
from metrics.history import roll_up
from metrics.matching import refresh_suggestions

log = logging.getLogger(__name__)

COMPUTE_EVERY = timedelta(minutes=1)
COMPUTE_TICK = timedelta(seconds=5)
DELIVER_EVERY = timedelta(seconds=10)
ROLLUP_EVERY = timedelta(minutes=5)
MATCHING_EVERY = timedelta(minutes=15)
SPACING_SLACK = 0.9
"""A spaced job runs when its last start is at least this share of its interval ago."""
STOP_GRACE_SECONDS = 8.0
"""How long a stop waits for running jobs: with the rest of shutdown, within the 10 s that
orchestrators commonly allow between SIGTERM and SIGKILL."""

JOB_RUNS = Counter(
    "syncwatch_job_runs_total", "Scheduled job runs, by job and outcome.", ["job", "outcome"]
)
JOB_SECONDS = Histogram(
    "syncwatch_job_seconds",
    "Duration of one scheduled job run.",
    ["job"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900),
)


@dataclass(frozen=True)
class Job:
    """One scheduled job: what it does and when."""

    id: str
    action: Callable[[], None]
    trigger: IntervalTrigger | CronTrigger
    spacing: timedelta | None = None
    """At most one run per this much time across all workers (None: every firing runs)."""
    at_start: bool | None = None
    """Whether the first run is due at once (None: interval jobs yes, cron jobs no)."""


class Service:
    """Registers every job on a background scheduler and runs them until stopped.

    Jobs never call back into the scheduler: APScheduler holds its job-store lock while it
    waits for running jobs at shutdown, so a job modifying the schedule would deadlock a stop.
    """

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self._fresh_data = threading.Event()
        self._last_compute = 0.0
        self.stopping = threading.Event()
        """Set by ``stop``: polls end after their committed page, queued jobs do not start."""
        self.interrupted: list[str] = []
        """The jobs a stop interrupted (each resumes from its last committed page)."""
        self._running: set[str] = set()
        self._idle = threading.Condition()
        self.interactivity: Interactivity | None = None
        """What receives clicks on Slack's alert buttons, once started (when configured)."""
        self.evaluating = ServiceClock.of(clock)
        """What alert evaluations know of this service: its start (set by ``start``), its pace."""
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=UTC,
        )

    def jobs(self) -> list[Job]:
        """Every job this configuration needs."""
        jobs = [
            _spaced(f"collect:{name}", self._collector(name), source.poll_interval)
            for name, source in self.settings.sources.items()
            if source.enabled
        ]
        fx = self.settings.fx
        if fx.source is not None:
            schedule = CronTrigger.from_crontab(fx.schedule, timezone=fx.zone)
            # Loaded at start too: a new store has no rates, and a stopped worker missed some.
            jobs.append(Job("fx_rates", self._fx_rates, schedule, at_start=True))
        zone = self.settings.zone
        return [
            *jobs,
            Job("compute", self._compute, _every(COMPUTE_TICK)),
            Job("deliver", self._deliver, _every(DELIVER_EVERY)),
            _spaced("rollup", self._roll_up, ROLLUP_EVERY),
            _spaced("matching", self._matching, MATCHING_EVERY),
            Job(
                "weekly_report",
                self._weekly,
                CronTrigger.from_crontab(self.settings.slack.weekly_report_cron, timezone=zone),
            ),
        ]

    def start(self) -> None:
        """Register the jobs (each first run is due at once, except the weekly report's) and
        start receiving Slack's button clicks when configured."""
        self.interactivity = start_interactivity(self.db, self.settings, self.clock)
        # Freshness waits for each source's first poll from here (alerts.freshness).
        self.evaluating = ServiceClock.of(self.clock, started_at=self.clock.now())
        now = datetime.now(UTC)
        for job in self.jobs():
            at_start = job.at_start
            if at_start is None:
                at_start = not isinstance(job.trigger, CronTrigger)
            # Without a first run time the trigger's next firing is the first: passing None
            # instead would add the job paused.
            first = {"next_run_time": now} if at_start else {}
            self.scheduler.add_job(
                self.run_job,
                job.trigger,
                args=[job.id, job.action, job.spacing],
                id=job.id,
                name=job.id,
                replace_existing=True,
                **first,
            )
        self.scheduler.start()
        log.info("scheduler started with %d jobs", len(self.scheduler.get_jobs()))

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> list[str]:
        """Stop within ``grace`` seconds; return the jobs still running then (sorted).

        A job still running is the caller's to abandon: its open transaction is rolled back
        when the process exits, and its next run redoes the work.
        """
        with self._idle:
            self.stopping.set()
        if self.interactivity is not None:
            self.interactivity.stop()
        # Not waiting here: a job blocked in a long query or request must not hold the stop.
        self.scheduler.shutdown(wait=False)
        with self._idle:
            self._idle.wait_for(lambda: not self._running, timeout=grace)
            left = sorted(self._running)
        if left:
            log.warning("scheduler stopped after %.0f s with %s still running", grace, left)
        else:
            log.info("scheduler stopped")
        return left

    def run_job(
        self, job_id: str, action: Callable[[], None], spacing: timedelta | None = None
    ) -> str:
        """Run one job under its advisory lock, recording its outcome; never raises.

        With ``spacing``, the run is skipped when any worker started the job less than
        ``SPACING_SLACK`` of that interval ago. Once the service is stopping a queued job is
        skipped, and a poll the stop interrupts returns "stopped".
        """
        with self._idle:
            if self.stopping.is_set():
                JOB_RUNS.labels(job_id, "skipped").inc()
                return "skipped"
            self._running.add(job_id)
        try:
            return self._run_locked(job_id, action, spacing)
        # Without the store nothing can be locked or recorded: one line, and the next firing
        # tries again (the server may be restarting).
        except (DatabaseUnavailableError, psycopg.OperationalError) as exc:
            JOB_RUNS.labels(job_id, "failed").inc()
            log.error("%s: the store cannot be reached: %s", job_id, _first_line(exc))
            return "failed"
        finally:
            with self._idle:
                self._running.discard(job_id)
                self._idle.notify_all()

    def _run_locked(
        self, job_id: str, action: Callable[[], None], spacing: timedelta | None
    ) -> str:
        started = time.perf_counter()
        with advisory_lock(self.db, f"job:{job_id}") as held:
            if not held:
                JOB_RUNS.labels(job_id, "skipped").inc()
                log.info("%s: running in another worker, skipped", job_id)
                return "skipped"
            if spacing is not None and not self._claim_start(job_id, spacing):
                JOB_RUNS.labels(job_id, "skipped").inc()
                log.info("%s: another worker ran it within its interval, skipped", job_id)
                return "skipped"
            try:
                action()
            except PollStoppedError as exc:
                if spacing is not None:
                    self._release_start(job_id)
                self.interrupted.append(job_id)
                JOB_RUNS.labels(job_id, "stopped").inc()
                log.info(
                    "%s interrupted (%s); it resumes from its last committed page", job_id, exc
                )
                return "stopped"
            # The scheduler must outlive any one job's failure: the failure is logged, counted
            # and stored as job health, where an alert rule picks it up.
            except Exception as exc:
                reason = f"{type(exc).__name__}: {_first_line(exc)}"
                self._record(job_id, started, reason)
                JOB_RUNS.labels(job_id, "failed").inc()
                log.error("%s failed: %s", job_id, reason)
                return "failed"
        self._record(job_id, started, None)
        JOB_RUNS.labels(job_id, "success").inc()
        JOB_SECONDS.labels(job_id).observe(time.perf_counter() - started)
        return "success"

    def _claim_start(self, job_id: str, spacing: timedelta) -> bool:
        """Record this start unless the job started recently (database time, any worker)."""
        with self.db.connection() as conn:
            row = conn.execute(
                "INSERT INTO job_start AS s (job, started_at) VALUES (%s, now()) "
                "ON CONFLICT (job) DO UPDATE SET started_at = now() "
                "WHERE s.started_at <= now() - %s RETURNING true",
                (job_id, spacing * SPACING_SLACK),
            ).fetchone()
        return row is not None

    def _release_start(self, job_id: str) -> None:
        """Forget this run's start, so the interrupted job runs at the next start of any worker."""
        with self.db.connection() as conn:
            conn.execute("DELETE FROM job_start WHERE job = %s", (job_id,))

    def _record(self, job_id: str, started: float, reason: str | None) -> None:
        duration_ms = int((time.perf_counter() - started) * 1000)
        at = self.clock.now()
        with self.db.connection() as conn:
            conn.execute(
                """
                INSERT INTO job_health AS j
                    (job, healthy, reason, last_run_at, last_success_at, failures, duration_ms)
                VALUES (%(job)s, %(ok)s, %(reason)s, %(at)s,
                        CASE WHEN %(ok)s THEN %(at)s::timestamptz END,
                        CASE WHEN %(ok)s THEN 0 ELSE 1 END, %(ms)s)
                ON CONFLICT (job) DO UPDATE SET
                    healthy = EXCLUDED.healthy, reason = EXCLUDED.reason,
                    last_run_at = EXCLUDED.last_run_at,
                    last_success_at = COALESCE(EXCLUDED.last_success_at, j.last_success_at),
                    failures = CASE WHEN EXCLUDED.healthy THEN 0 ELSE j.failures + 1 END,
                    duration_ms = EXCLUDED.duration_ms
                """,
                {
                    "job": job_id,
                    "ok": reason is None,
                    "reason": reason,
                    "at": at,
                    "ms": duration_ms,
                },
            )

    def _collector(self, name: str) -> Callable[[], None]:
        def collect() -> None:
            source = self.settings.sources[name]
            connector = build_connector(name, source, clock=self.clock, stop=self.stopping)
            try:
                collect_source(self.db, connector, clock=self.clock, stop=self.stopping)
            finally:
                connector.close()
            # Fresh data: the next compute tick computes rather than waiting for the interval.
            self._fresh_data.set()

        return collect

    def _compute(self) -> None:
        due = time.monotonic() - self._last_compute >= COMPUTE_EVERY.total_seconds()
        if not (due or self._fresh_data.is_set()):
            return
        self._fresh_data.clear()
        self._last_compute = time.monotonic()
        now = self.clock.now()
        try:
            compute(self.db, self.settings, now)
        finally:
            # Alerts are evaluated even when the compute fails: that is when "metrics are not
            # being computed" must be able to fire.
            evaluate_alerts(self.db, self.settings, now, self.evaluating)

    def _deliver(self) -> None:
        deliver_due(self.db, self.settings, self.clock.now())

    def _roll_up(self) -> None:
        with self.db.connection() as conn:
            roll_up(conn, self.clock.now())

    def _matching(self) -> None:
        with self.db.connection() as conn, conn.transaction():
            refresh_suggestions(conn, self.clock.now())

    def _weekly(self) -> None:
        send_weekly_report(self.db, self.settings, self.clock.now())

    def _fx_rates(self) -> None:
        source = self.settings.fx.source
        assert source is not None  # the job exists only with a source
        stored = load_rates(self.db, source, self.clock.now())
        log.info(
            "fx_rates: %d dates, %d currencies, newest %s, %d rates new or changed",
            stored.dates, stored.currencies, stored.newest, stored.written,
        )  # fmt: skip


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _spaced(job_id: str, action: Callable[[], None], interval: timedelta) -> Job:
    """A job on an interval that runs once per interval across all workers."""
    return Job(job_id, action, _every(interval), spacing=interval)


def _every(interval: timedelta) -> IntervalTrigger:
    return IntervalTrigger(seconds=max(1, int(interval.total_seconds())), timezone=UTC)
