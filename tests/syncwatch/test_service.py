"""The scheduler service: one runner per job across processes, failures recorded, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import CollectorRegistry

from alerts.defaults import JOB_FAILING
from alerts.engine import evaluate_alerts
from core.clock import Clock
from core.config import Settings
from core.database import Database
from metrics.engine import compute
from metrics.exporter import serve_exporter
from syncwatch.service import Service
from testkit.servers import bound_socket
from tests.metrics.fixtures import NOW, H, Store

CLOCK = Clock(NOW)


def job_health(db: Database) -> dict[str, tuple[bool, str | None, int]]:
    with db.connection() as conn:
        rows = conn.execute("SELECT job, healthy, reason, failures FROM job_health").fetchall()
    return {job: (healthy, reason, failures) for job, healthy, reason, failures in rows}


def test_two_workers_never_run_one_job_together(db: Database) -> None:
    first, second = Service(db, Settings(), CLOCK), Service(db, Settings(), CLOCK)
    started, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def slow() -> None:
        started.set()
        release.wait(10)

    worker = threading.Thread(target=lambda: outcomes.append(first.run_job("compute", slow)))
    worker.start()
    assert started.wait(10)
    assert second.run_job("compute", lambda: None) == "skipped"
    release.set()
    worker.join(10)
    assert outcomes == ["success"]
    assert second.run_job("compute", lambda: None) == "success"


def test_a_spaced_job_runs_once_per_interval_across_workers(db: Database) -> None:
    first, second = Service(db, Settings(), CLOCK), Service(db, Settings(), CLOCK)
    runs: list[str] = []
    every = timedelta(minutes=2)
    assert first.run_job("collect:crm", lambda: runs.append("first"), every) == "success"
    # The other worker's timer fires a moment later: the poll already ran this interval.
    assert second.run_job("collect:crm", lambda: runs.append("second"), every) == "skipped"
    assert first.run_job("collect:crm", lambda: runs.append("first"), every) == "skipped"
    with db.connection() as conn:  # most of an interval later (see SPACING_SLACK)
        conn.execute("UPDATE job_start SET started_at = started_at - interval '110 seconds'")
    assert second.run_job("collect:crm", lambda: runs.append("second"), every) == "success"
    assert runs == ["first", "second"]
    # Unspaced jobs run at every firing, and each job is spaced on its own.
    assert second.run_job("compute", lambda: runs.append("compute")) == "success"
    assert second.run_job("compute", lambda: runs.append("compute")) == "success"
    assert first.run_job("collect:erp", lambda: runs.append("erp"), every) == "success"
    assert runs == ["first", "second", "compute", "compute", "erp"]


def test_a_failing_job_is_recorded_and_the_next_run_goes_on(db: Database) -> None:
    service = Service(db, Settings(), CLOCK)

    def broken() -> None:
        raise RuntimeError("the ERP said no\nsecond line")

    assert service.run_job("matching", broken) == "failed"
    assert service.run_job("matching", broken) == "failed"
    assert job_health(db)["matching"] == (False, "RuntimeError: the ERP said no", 2)
    compute(db, Settings(), NOW)
    with db.connection() as conn:
        healthy = conn.execute(
            "SELECT p.value FROM metric_point p JOIN metric_series s ON s.id = p.series_id "
            "WHERE s.name = 'scheduler_job_healthy' AND s.labels ->> 'job' = 'matching'"
        ).fetchone()
    assert healthy == (0.0,)
    assert service.run_job("matching", lambda: None) == "success"
    assert job_health(db)["matching"] == (True, None, 0)


def test_every_job_is_registered_with_one_instance_and_coalescing(db: Database) -> None:
    service = Service(db, Settings(timezone="Europe/Berlin"), CLOCK)
    service.start()
    try:
        jobs = {j.id: j for j in service.scheduler.get_jobs()}
    finally:
        service.stop()
    assert set(jobs) == {"compute", "deliver", "rollup", "matching", "weekly_report"}
    assert all(j.max_instances == 1 and j.coalesce for j in jobs.values())
    spacing = {job_id: job.args[2] for job_id, job in jobs.items()}
    assert spacing == {
        "compute": None,
        "deliver": None,
        "weekly_report": None,
        "rollup": timedelta(minutes=5),
        "matching": timedelta(minutes=15),
    }
    fire = jobs["weekly_report"].trigger.get_next_fire_time(None, datetime.now(UTC))
    weekly = fire.astimezone(ZoneInfo("Europe/Berlin"))
    assert (weekly.isoweekday(), weekly.hour, weekly.minute) == (1, 8, 0)


def test_a_stop_waits_for_a_long_job_only_up_to_its_grace(db: Database) -> None:
    service = Service(db, Settings(), CLOCK)
    started, release = threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        release.wait(30)

    service.scheduler.add_job(
        service.run_job, args=["matching", slow], next_run_time=datetime.now(UTC)
    )
    service.scheduler.start()
    try:
        assert started.wait(10)
        began = time.monotonic()
        assert service.stop(grace=0.5) == ["matching"]
        assert time.monotonic() - began < 2
        # Stopping, the service starts nothing new.
        assert service.run_job("compute", lambda: None) == "skipped"
    finally:
        release.set()
        # The abandoned job still ends normally, recorded, once it is let go.
        deadline = time.monotonic() + 10
        while "matching" not in job_health(db) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert job_health(db)["matching"] == (True, None, 0)


def test_a_job_without_the_store_fails_in_one_line(caplog: pytest.LogCaptureFixture) -> None:
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    service = Service(Database(f"postgresql://nobody@127.0.0.1:{port}/x"), Settings(), CLOCK)
    assert service.run_job("compute", lambda: None) == "failed"
    assert [r.getMessage().split(":")[:2] for r in caplog.records if r.levelname == "ERROR"] == [
        ["compute", " the store cannot be reached"]
    ]


def test_exporter_serves_gauges_and_health(db: Database) -> None:
    store = Store()
    store.invoice("in_1", finalized=NOW - 30 * H, total=12_50, currency="EUR")
    store.compute(db)
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    server = serve_exporter(db, CLOCK, "127.0.0.1", port, registry=CollectorRegistry())
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        body = json.loads(
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
        )
    finally:
        server.shutdown()
        server.server_close()
    lines = text.decode().splitlines()
    assert 'syncwatch_sla_breaches{flow="invoice_billing_to_erp"} 1.0' in lines
    assert 'syncwatch_silent_misses_amount_minor_units{currency="EUR"} 1250.0' in lines
    stamp = next(line for line in lines if line.startswith("syncwatch_last_compute_timestamp"))
    assert float(stamp.split()[1]) == NOW.timestamp()
    assert body == {"database": "ok", "sources": {}, "jobs": {}}


def test_sigterm_finishes_and_exits_cleanly(db: Database, tmp_path: Path, repo_root: Path) -> None:
    config = tmp_path / "syncwatch.yaml"
    config.write_text("timezone: UTC\n", encoding="utf-8")
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "DATABASE_URL": db.url, "SYNCWATCH_NOW": NOW.isoformat()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "syncwatch", "--config", str(config), "run",
         "--metrics-host", "127.0.0.1", "--metrics-port", str(port)],
        cwd=repo_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "scheduler stopped" in output
    assert job_health(db)["compute"][0] is True


@pytest.fixture(autouse=True)
def _utc_now() -> None:
    assert datetime.now(UTC).tzinfo is UTC


def test_a_failing_job_raises_an_alert(db: Database) -> None:
    settings = Settings()
    service = Service(db, settings, CLOCK)

    def broken() -> None:
        raise RuntimeError("the ERP said no")

    assert service.run_job("matching", broken) == "failed"
    states = []
    for minutes in (0, 3):
        at = NOW + timedelta(minutes=minutes)
        compute(db, settings, at)
        evaluate_alerts(db, settings, at)
        with db.connection() as conn:
            states.append(
                conn.execute(
                    "SELECT state, labels ->> 'job' FROM alert WHERE rule = %s", (JOB_FAILING,)
                ).fetchone()
            )
            posted = conn.execute(
                "SELECT count(*) FROM notification_outbox WHERE kind = 'post' "
                "AND payload -> 'message' ->> 'rule' = %s",
                (JOB_FAILING,),
            ).fetchone()
    assert states == [("pending", "matching"), ("firing", "matching")]
    assert posted == (1,)
