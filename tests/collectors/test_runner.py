"""The runner tells a refused statement from a lost database, and dead runs show in health."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from collectors.base import Page, Position, Stream
from collectors.http import SourceClient
from collectors.logs.connector import build_connector
from collectors.runner import SourceOutcome, collect_source
from core.clock import Clock
from core.config.sources import MiddlewareLogSource, RecordLimits
from core.database import Database
from core.store.records import CanonicalRecord
from core.store.runs import start_run
from metrics.exporter import UNRECORDED_FAILURE, StoreCollector, health

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class ScriptedStream(Stream):
    """One page of one record (its id: the stream's name), positioned as the test says."""

    object_type = "account"
    primary_key = "Id"

    def __init__(self, position: Position) -> None:
        super().__init__("crm")
        self.position = position

    def pages(self, position: Position | None) -> Iterator[Page]:
        record = CanonicalRecord("salesforce", "account", self.name, {"Id": self.name})
        yield Page(self.source, self.object_type, records=[record], position=self.position)


class AccountStream(ScriptedStream):
    name = "accounts"


class ContactStream(ScriptedStream):
    name = "contacts"


class ScriptedConnector:
    """A source of scripted streams."""

    def __init__(self, *streams: Stream) -> None:
        self.name = "crm"
        self.client: SourceClient | None = None
        self.limits = RecordLimits()
        self._streams = list(streams)

    def streams(self) -> list[Stream]:
        return self._streams

    def api_usage(self) -> dict[str, Any] | None:
        return None

    def close(self) -> None:
        """Nothing to release."""


def healthy(db: Database, at: datetime, source: str) -> tuple[float | None, dict[str, Any]]:
    """``syncwatch_collector_healthy`` and the /healthz entry of ``source`` at ``at``."""
    registry = CollectorRegistry()
    registry.register(StoreCollector(db, Clock(at)))
    gauge = registry.get_sample_value("syncwatch_collector_healthy", {"source": source})
    ok, body = health(db, Clock(at))
    assert ok
    return gauge, body["sources"][source]


def test_a_page_the_store_refuses_fails_its_stream_not_the_database(db: Database) -> None:
    # A cursor the store cannot hold: every retry fails the same way, row by row too.
    connector = ScriptedConnector(AccountStream({"after": "00\x001"}), ContactStream({"n": 1}))
    outcome = collect_source(db, connector, clock=Clock(T0))
    assert not outcome.healthy
    assert [(s.stream, s.status) for s in outcome.streams] == [
        ("accounts", "failed"),
        ("contacts", "success"),
    ]
    assert outcome.reason is not None
    assert outcome.reason.startswith("crm/accounts: the store refused a page: unsupported")
    with db.connection() as conn:
        runs = conn.execute(
            "SELECT stream, status, error FROM collector_run ORDER BY id"
        ).fetchall()
        stored = [r[0] for r in conn.execute("SELECT external_id FROM source_record")]
        recorded = conn.execute("SELECT healthy, reason FROM source_health").fetchone()
    assert [r[:2] for r in runs] == [("accounts", "failed"), ("contacts", "success")]
    assert runs[0][2] == outcome.reason and stored == ["contacts"]
    assert recorded == (False, outcome.reason)
    gauge, entry = healthy(db, T0, "crm")
    assert gauge == 0 and entry["healthy"] is False and entry["reason"] == outcome.reason


def collect_logs(db: Database, log_dir: Path, at: datetime) -> SourceOutcome:
    settings = MiddlewareLogSource.model_validate(
        {"type": "middleware_logs", "path": str(log_dir / "*.jsonl")}
    )
    connector = build_connector("logs", settings, clock=Clock(at))
    try:
        return collect_source(db, connector, clock=Clock(at))
    finally:
        connector.close()


def die_while_running(db: Database, at: datetime) -> int:
    """A run of the logs stream left running by a process that died; its id."""
    with db.connection() as conn:
        run = start_run(conn, "logs", "events", at)
        pid = conn.info.backend_pid
    deadline = time.monotonic() + 10
    with db.connection(autocommit=True) as conn:
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the closed session stayed"
            time.sleep(0.02)
    return run


def test_a_run_left_running_by_a_dead_process_is_abandoned_and_shows_in_health(
    db: Database, tmp_path: Path
) -> None:
    (tmp_path / "a.jsonl").write_text("")
    assert collect_logs(db, tmp_path, T0).healthy
    assert healthy(db, T0, "logs")[0] == 1

    dead = die_while_running(db, T0 + timedelta(minutes=1))
    # Before any poll: the source is unhealthy already, wherever it is read.
    gauge, entry = healthy(db, T0 + timedelta(minutes=2), "logs")
    assert gauge == 0 and entry["healthy"] is False and entry["reason"] == UNRECORDED_FAILURE

    outcome = collect_logs(db, tmp_path, T0 + timedelta(minutes=3))
    assert not outcome.healthy and outcome.reason is not None
    assert outcome.reason.startswith(f"logs/events: run {dead} started 2026-11-20T12:01:00Z ")
    assert "was abandoned" in outcome.reason
    with db.connection() as conn:
        status = dict(conn.execute("SELECT id, status FROM collector_run").fetchall())
        recorded = conn.execute("SELECT healthy, reason FROM source_health").fetchone()
    assert status[dead] == "abandoned" and "running" not in status.values()
    assert recorded == (False, outcome.reason)
    gauge, entry = healthy(db, T0 + timedelta(minutes=3), "logs")
    assert gauge == 0 and entry["reason"] == outcome.reason

    assert collect_logs(db, tmp_path, T0 + timedelta(minutes=4)).healthy
    assert healthy(db, T0 + timedelta(minutes=4), "logs")[0] == 1
