"""Crash recovery: a collector killed or cut off from its database mid-run loses nothing.

One sandbox world is served for the module and collected once without interruption into a
reference database; every other run of the module must end with exactly that store. The
reference run also records each page's position and the rows it carried, which shows whether
a watermark left by a crash covers only rows that were committed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from collectors.base import Page
from core import migrations
from core.clock import Clock
from core.config import Settings
from core.database import Database
from core.embedded import EmbeddedPostgres, postgres_command
from core.errors import DatabaseUnavailableError
from core.store.records import COLUMNS
from metrics.live import live_values
from testkit.running_sandbox import NOW, profile_with, running_sandbox
from testkit.sandbox_settings import sandbox_settings
from tests.collectors.crash_worker import collect_all, collect_once, small_page_connector
from tests.postgres import create_database, drop_database, with_database

ACCOUNTS = 400
# Malformed records fill the quarantine; the slow answers (every request waits a few
# milliseconds) give the test time to strike while a stream still has pages to go.
WIRE = {"malformed": 0.02, "slow": 1.0, "slow_delay": "10ms"}
REPO = Path(__file__).resolve().parents[2]

Key = tuple[str, ...]


@dataclass
class Capture:
    """The pages of a run in commit order: stream, position and the keys of the rows it held."""

    pages: list[tuple[tuple[str, str], Any, frozenset[Key]]] = field(default_factory=list)

    def __call__(self, source: str, stream: str, page: Page) -> None:
        """Record one committed page (the runner's ``on_page`` hook)."""
        keys: set[Key] = {("record", r.system, r.object_type, r.external_id) for r in page.records}
        keys |= {("event", json.dumps(e.raw, sort_keys=True)) for e in page.events}
        keys |= {("quarantine", q.source, q.object_type, q.payload) for q in page.quarantined}
        position = json.loads(json.dumps(page.position))
        self.pages.append(((source, stream), position, frozenset(keys)))

    def pages_of(self, stream: tuple[str, str]) -> int:
        """How many pages the stream took."""
        return sum(1 for s, _, _ in self.pages if s == stream)

    def longest_stream(self) -> tuple[tuple[str, str], int]:
        """The stream with the most pages, and how many pages precede its first third."""
        counts: dict[tuple[str, str], int] = {}
        for stream, _, _ in self.pages:
            counts[stream] = counts.get(stream, 0) + 1
        longest = max(counts, key=counts.__getitem__)
        first = next(i for i, (stream, _, _) in enumerate(self.pages) if stream == longest)
        return longest, first + counts[longest] // 3


@dataclass(frozen=True)
class Store:
    """What a collection leaves behind, minus ids and wall-clock stamps."""

    records: dict[Key, tuple[Any, ...]]
    events: frozenset[bytes]
    quarantine: frozenset[tuple[Any, ...]]


@dataclass
class World:
    """The served sandbox, its settings and the uninterrupted reference collection."""

    settings: Settings
    config: Path
    reference: Store
    capture: Capture


def snapshot(db: Database) -> Store:
    """Every stored record (all canonical columns), event key and quarantined record."""
    with db.connection() as conn:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM source_record").fetchall()
        events = conn.execute("SELECT event_key FROM sync_event").fetchall()
        # times_seen and the stamps are left out: a page re-read after a crash (or through the
        # look-back) sees its bad records again, which is counted, not stored twice.
        quarantine = conn.execute(
            "SELECT source, object_type, external_id, reason, payload, location FROM quarantine"
        ).fetchall()
    return Store(
        records={tuple(row[:3]): tuple(row[3:]) for row in rows},
        events=frozenset(bytes(key) for (key,) in events),
        quarantine=frozenset(quarantine),
    )


def assert_same_store(actual: Store, expected: Store) -> None:
    """The two stores hold the same rows; a failure names a few of the differences."""
    missing = sorted(expected.records.keys() - actual.records.keys())
    extra = sorted(actual.records.keys() - expected.records.keys())
    differ = sorted(
        k for k in expected.records.keys() & actual.records.keys()
        if expected.records[k] != actual.records[k]
    )  # fmt: skip
    assert not (missing or extra or differ), (
        f"source_record: {len(missing)} missing {missing[:3]}, {len(extra)} extra {extra[:3]}, "
        f"{len(differ)} differ {differ[:3]}"
    )
    assert actual.events == expected.events, (
        f"sync_event: {len(expected.events - actual.events)} missing, "
        f"{len(actual.events - expected.events)} extra"
    )
    assert actual.quarantine == expected.quarantine, (
        f"quarantine: missing {sorted(expected.quarantine - actual.quarantine)[:2]}, "
        f"extra {sorted(actual.quarantine - expected.quarantine)[:2]}"
    )


def committed_keys(db: Database) -> set[Key]:
    """The stored rows under the keys ``Capture`` gives them."""
    with db.connection() as conn:
        keys: set[Key] = {
            ("record", *row)
            for row in conn.execute("SELECT system, object_type, external_id FROM source_record")
        }
        keys |= {
            ("event", json.dumps(raw, sort_keys=True))
            for (raw,) in conn.execute("SELECT raw FROM sync_event")
        }
        keys |= {
            ("quarantine", *row)
            for row in conn.execute("SELECT source, object_type, payload FROM quarantine")
        }
    return keys


def assert_watermarks_covered(db: Database, capture: Capture) -> None:
    """Each stored position is one the reference reached, and its rows up to there are stored."""
    stored = committed_keys(db)
    with db.connection() as conn:
        marks = conn.execute("SELECT source, stream, position FROM watermark").fetchall()
    assert marks, "the killed run left no watermark"
    for source, stream, position in marks:
        pages = [(p, keys) for s, p, keys in capture.pages if s == (source, stream)]
        reached = next((i for i, (p, _) in enumerate(pages) if p == position), None)
        assert reached is not None, f"{source}/{stream}: {position} was never a page's position"
        covered = frozenset[Key]().union(*(keys for _, keys in pages[: reached + 1]))
        behind = covered - stored
        assert not behind, (
            f"{source}/{stream}: the watermark is ahead of {len(behind)} uncommitted rows, "
            f"e.g. {sorted(behind)[:2]}"
        )


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, pg_admin_url: str, migrated_template: str
) -> Iterator[World]:
    """A served world with flaky records and slow answers, and its uninterrupted collection."""
    tmp = tmp_path_factory.mktemp("crash-world")
    profile = profile_with(
        "default",
        accounts=ACCOUNTS,
        zendesk_export_per_minute=6000,
        transport={system: WIRE for system in ("salesforce", "stripe", "netsuite", "zendesk")},
    )
    name = create_database(pg_admin_url, template=migrated_template)
    reference = Database(with_database(pg_admin_url, name))
    with pytest.MonkeyPatch.context() as mp, running_sandbox(tmp, profile=profile) as sandbox:
        settings = sandbox_settings(sandbox, tmp, mp)
        capture = Capture()
        collect_all(reference, settings, capture)
        store = snapshot(reference)
        assert store.quarantine and store.events, "the world should quarantine and log"
        yield World(settings, tmp / "syncwatch.yaml", store, capture)
    drop_database(pg_admin_url, name)


def run_counts(db: Database) -> dict[str, list[tuple[str, str]]]:
    """Source and stream of each collector run, by status."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT status, source, stream FROM collector_run ORDER BY id"
        ).fetchall()
    runs: dict[str, list[tuple[str, str]]] = {}
    for status, source, stream in rows:
        runs.setdefault(status, []).append((source, stream))
    return runs


def pages_of_last_run(db: Database, stream: tuple[str, str]) -> int:
    """Pages committed by the latest run of a stream."""
    with db.connection() as conn:
        row = conn.execute(
            "SELECT pages FROM collector_run WHERE source = %s AND stream = %s "
            "ORDER BY id DESC LIMIT 1",
            stream,
        ).fetchone()
    assert row is not None
    return int(row[0])


def assert_resumed(db: Database, capture: Capture, stream: tuple[str, str]) -> None:
    """The stream's latest run went on from its last committed page rather than starting over."""
    rerun, whole = pages_of_last_run(db, stream), capture.pages_of(stream)
    assert rerun < whole, f"{stream}: the next run read all {whole} pages again, not resuming"


def committed_pages(db: Database) -> int:
    """Pages committed by every run so far."""
    with db.connection() as conn:
        row = conn.execute("SELECT coalesce(sum(pages), 0) FROM collector_run").fetchone()
    assert row is not None
    return int(row[0])


def kill_after(proc: subprocess.Popen[bytes], db: Database, pages: int, log: Path) -> None:
    """SIGKILL ``proc`` as soon as ``pages`` pages are committed."""
    deadline = time.monotonic() + 120
    while committed_pages(db) < pages:
        if proc.poll() is not None:
            pytest.fail(f"the collector exited ({proc.returncode}) first:\n{log.read_text()}")
        assert time.monotonic() < deadline, "the collector made no progress"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_each_page_is_committed_before_the_next_is_read(world: World, db: Database) -> None:
    visible: list[int] = []

    def look(source: str, stream: str, page: Page) -> None:
        visible.append(committed_pages(db))

    collect_all(db, world.settings, look)
    lagging = [(n, seen) for n, seen in enumerate(visible, start=1) if seen != n]
    assert not lagging, (
        f"{len(lagging)} of {len(visible)} pages were not visible to another session when the "
        f"collector moved on (page, pages visible): {lagging[:3]}"
    )


def test_a_killed_collector_resumes_to_the_same_store(
    world: World, db: Database, tmp_path: Path
) -> None:
    longest, strike = world.capture.longest_stream()
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.collectors.crash_worker", str(world.config)],
            cwd=REPO,
            env={**os.environ, "DATABASE_URL": db.url},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            kill_after(proc, db, strike, log)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    runs = run_counts(db)
    # The stream it was killed in stays visible as running until the next poll. Pages become
    # visible one commit at a time, so the kill lands inside the stream it was aimed at.
    assert runs.get("running") == [longest], f"killed inside {longest}, runs left: {runs}"
    assert committed_pages(db) < len(world.capture.pages)
    assert_watermarks_covered(db, world.capture)
    wait_until_sessions_end(db)
    assert source_health(db).get(longest[0]) == 0.0, "a dead run must show in health at once"

    collect_all(db, world.settings)
    assert_resumed(db, world.capture, longest)
    assert_same_store(snapshot(db), world.reference)
    runs = run_counts(db)
    assert runs.get("abandoned") == [longest] and "running" not in runs, runs


def wait_until_sessions_end(db: Database) -> None:
    """Wait for the server to notice that the killed collector's connection is gone."""
    deadline = time.monotonic() + 30
    with db.connection(autocommit=True) as conn:
        while conn.execute(
            "SELECT 1 FROM collector_run WHERE status = 'running' "
            "AND NOT collector_run_orphaned(backend_pid, backend_started_at)"
        ).fetchone():
            assert time.monotonic() < deadline, "the killed collector's session stayed"
            time.sleep(0.02)


def source_health(db: Database) -> dict[str, float]:
    """``collector_healthy`` per source, as alerts and the exporter read it now."""
    with db.connection() as conn:
        values = live_values(conn, NOW)
    return {v.labels["source"]: v.value for v in values if v.name == "collector_healthy"}


def terminate_backends(server: EmbeddedPostgres) -> None:
    """Cut every other client off, as a server restart does."""
    with psycopg.connect(with_database(server.url, "postgres"), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )


def pg_ctl(server: EmbeddedPostgres, action: str) -> None:
    """Run ``pg_ctl <action>`` (fast mode: clients are disconnected) on the running server."""
    data = server.data_dir.resolve()
    subprocess.run(
        postgres_command(server.bin_dir, "pg_ctl", "-D", str(data), "-l", str(data / "log"),
                         "-m", "fast", "-w", action),
        check=True,
        # pg_ctl's server inherits its output; pipes would keep this call waiting.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )  # fmt: skip


def restart_server(server: EmbeddedPostgres) -> None:
    """Stop the server and start it again with its options."""
    pg_ctl(server, "restart")


DISRUPTIONS: dict[str, Callable[[EmbeddedPostgres], None]] = {
    "backends terminated": terminate_backends,
    "server restarted": restart_server,
}


@pytest.mark.parametrize("disruption", list(DISRUPTIONS))
def test_a_database_restart_fails_the_run_and_the_next_run_recovers(
    world: World, tmp_path: Path, disruption: str
) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata")
    try:
        db = Database(server.url)
        migrations.upgrade(db)
        longest, strike = world.capture.longest_stream()
        struck = threading.Event()
        counted = [0]

        def count(source: str, stream: str, page: Page) -> None:
            counted[0] += 1
            if counted[0] == strike:
                struck.set()

        def disrupt() -> None:
            struck.wait()
            DISRUPTIONS[disruption](server)

        disruptor = threading.Thread(target=disrupt, daemon=True)
        disruptor.start()
        clock = Clock(NOW)
        failures: list[DatabaseUnavailableError] = []
        for name, source in world.settings.sources.items():
            try:
                collect_once(db, small_page_connector(name, source, clock), clock, count)
            except DatabaseUnavailableError as exc:
                failures.append(exc)
                disruptor.join(60)
                # The next run of the same source, as the scheduler's next poll would start it.
                collect_once(db, small_page_connector(name, source, clock), clock)
        struck.set()
        disruptor.join(60)

        assert len(failures) == 1, failures
        message = str(failures[0])
        assert "\n" not in message and "the next run resumes" in message, message
        assert message.startswith(f"lost the database while collecting {longest[0]}: "), message
        assert_resumed(db, world.capture, longest)
        assert_same_store(snapshot(db), world.reference)
    finally:
        # The handle stops whichever server runs in its folder, a restarted one included.
        server.close()
