"""``syncwatch fx load``, the scheduler's rates job, and the demo's rates from the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from core.clock import Clock
from core.config import Settings, load_settings
from core.database import Database
from sandbox.clock import SimulatedClock
from sandbox.ecb.app import create_ecb_app
from sandbox.generator import WorldSpec, generate_world
from syncwatch.cli import app
from syncwatch.demo import DemoOptions, DemoStack
from syncwatch.service import Service
from testkit.running_sandbox import NOW, profile_with
from testkit.servers import running_app

HIST = "/stats/eurofxref/eurofxref-hist.xml"


@pytest.fixture(scope="module")
def ecb_url() -> Iterator[str]:
    """The sandbox's ECB files for a small world, published up to Thursday 19 Nov 2026."""
    world = generate_world(WorldSpec(seed=7, profile=profile_with(accounts=40), now=NOW))
    ecb = create_ecb_app(world, SimulatedClock(NOW), date(2026, 11, 2))
    with running_app(ecb) as base:
        yield base


def fx_load(db: Database, source: str) -> str:
    result = CliRunner().invoke(
        app, ["fx", "load", source], env={"DATABASE_URL": db.url, "COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_load_from_a_url_says_what_it_loaded_and_a_reload_changes_nothing(
    db: Database, ecb_url: str
) -> None:
    url = ecb_url + HIST
    assert fx_load(db, url) == (
        f"loaded 14 dates × 3 currencies, newest 19 Nov 2026 — 42 rates new or changed "
        f"— from {url}\n"
    )
    assert "— 0 rates new or changed —" in fx_load(db, url)
    with db.connection() as conn:
        assert conn.execute("SELECT count(*), max(rate_date) FROM fx_rate").fetchone() == (
            42, date(2026, 11, 19)
        )  # fmt: skip


def stored_rates(db: Database) -> int:
    with db.connection() as conn:
        row = conn.execute("SELECT count(*) FROM fx_rate").fetchone()
    assert row is not None
    return int(row[0])


def run_syncwatch(db: Database, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "syncwatch", *args], cwd=cwd, capture_output=True, text=True,
        env={**env, "DATABASE_URL": db.url, "COLUMNS": "300"}, timeout=60, check=False,
    )  # fmt: skip


def test_a_bad_source_is_one_line_with_the_fix_and_nothing_loaded(
    db: Database, ecb_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "eurofxref.csv"
    broken.write_text("Date, USD, \n03 December 2026, 1.08x, \n", encoding="utf-8")
    cases = {
        str(broken): f"error: {broken}:2: USD: rate ' 1.08x' is not a positive decimal number "
        "such as 1.0812; nothing was loaded (correct the source, or load another ECB file or URL)",
        f"{ecb_url}/stats/eurofxref/nothing.xml": f"error: {ecb_url}/stats/eurofxref/nothing.xml: "
        "answered HTTP 404 Not Found; nothing was loaded (correct the source",
        str(tmp_path / "absent.xml"): f"error: {tmp_path / 'absent.xml'}: no such file; nothing "
        "was loaded (check the path)",
    }
    for source, expected in cases.items():
        result = run_syncwatch(db, "fx", "load", source, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM fx_rate").fetchone() == (0,)


def test_the_rates_job_runs_at_start_and_then_daily_after_publication(
    db: Database, ecb_url: str
) -> None:
    settings = Settings(fx={"source": ecb_url + HIST})
    service = Service(db, settings, Clock(NOW))
    service.start()
    try:
        jobs = {j.id: j for j in service.scheduler.get_jobs()}
        deadline = time.monotonic() + 30
        while stored_rates(db) == 0 and time.monotonic() < deadline:  # its first run: at once
            time.sleep(0.1)
    finally:
        service.stop()
    assert stored_rates(db) == 42
    fx_job = jobs["fx_rates"]
    fire = fx_job.trigger.get_next_fire_time(None, datetime(2026, 11, 20, 12, tzinfo=UTC))
    berlin = fire.astimezone(ZoneInfo("Europe/Berlin"))
    assert (berlin.date(), berlin.hour, berlin.minute) == (date(2026, 11, 20), 16, 30)
    # The weekly report waits for its cron, but is scheduled (not paused).
    assert jobs["weekly_report"].next_run_time is not None
    assert Service(db, settings, Clock(NOW)).run_job("fx_rates", fx_job.args[1]) == "success"
    assert "fx_rates" not in {job.id for job in Service(db, Settings(), Clock(NOW)).jobs()}


def test_the_demo_loads_rates_from_its_own_sandbox(repo_root: Path) -> None:
    settings = load_settings(repo_root / "examples" / "demo.yaml")
    assert settings.fx.source == "http://127.0.0.1:8706/stats/eurofxref/eurofxref-hist.xml"
    stack = DemoStack(DemoOptions(sandbox_port=9701))
    effective = stack.effective_settings(settings)
    assert effective.fx.source == "http://127.0.0.1:9706/stats/eurofxref/eurofxref-hist.xml"
    assert stack.ports["ecb"] == 9706
