"""The middleware-log connector over real files written by the sandbox, into a real PostgreSQL."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from collectors.logs.connector import build_connector
from collectors.runner import SourceOutcome, collect_source
from core.clock import Clock
from core.config.sources import MiddlewareLogSource
from core.database import Database
from sandbox.catalog import World
from sandbox.generator import WorldSpec, generate_world
from sandbox.logwriter import MiddlewareLogWriter
from testkit.running_sandbox import NOW, profile_with
from tests.collectors.conformance import ConformanceCase, check_conformance, positions

CLOCK = Clock(NOW)


@pytest.fixture(scope="module")
def world() -> World:
    faults = {"duplicate_log_lines": 0.05, "posting_failed": 0.05}
    return generate_world(
        WorldSpec(seed=5, profile=profile_with(accounts=60, faults=faults), now=NOW)
    )


def settings(log_dir: Path) -> MiddlewareLogSource:
    return MiddlewareLogSource.model_validate(
        {"type": "middleware_logs", "path": str(log_dir / "*.jsonl")}
    )


def collect(db: Database, log_dir: Path) -> SourceOutcome:
    connector = build_connector("logs", settings(log_dir), clock=CLOCK)
    try:
        return collect_source(db, connector, clock=CLOCK)
    finally:
        connector.close()


def lines_on_disk(log_dir: Path) -> list[str]:
    return [
        line for path in sorted(log_dir.glob("*.jsonl")) for line in path.read_text().splitlines()
    ]


def scalar(db: Database, query: str) -> Any:
    with db.connection() as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def event_line(**changes: Any) -> str:
    event: dict[str, Any] = {
        "ts": "2026-11-20T10:00:00.250Z",
        "flow": "invoice_billing_to_erp",
        "correlation_id": "corr-1",
        "source_system": "stripe",
        "source_id": "in_1",
        "target_system": "netsuite",
        "target_id": None,
        "status": "failed",
        "attempt": 1,
        "error_code": "TIMEOUT",
        "error_message": "NetSuite did not answer",
        "duration_ms": 30000,
    }
    event.update(changes)
    return json.dumps({k: v for k, v in event.items() if v is not ...}) + "\n"


def test_conformance_with_rotated_files_and_duplicate_lines(
    db: Database, tmp_path: Path, world: World
) -> None:
    MiddlewareLogWriter(tmp_path, rotate_bytes=20_000).write_until(world.log_events, NOW)
    lines = lines_on_disk(tmp_path)
    assert len(list(tmp_path.glob("*.jsonl"))) > 3
    assert len(set(lines)) < len(lines), "the world should hold duplicate lines"
    case = ConformanceCase(
        system="middleware_logs",
        build=lambda: build_connector("logs", settings(tmp_path), clock=CLOCK),
        expected={},
        events_expected=len(set(lines)),
    )
    check_conformance(db, case, CLOCK)
    assert scalar(db, "SELECT sum(records) FROM collector_run") == len(lines)
    first = json.loads(lines[0])
    with db.connection() as conn:
        row = conn.execute(
            "SELECT ts, flow, status, attempt, correlation_id, source_id, duration_ms, origin "
            "FROM sync_event WHERE raw = %s::jsonb",
            (json.dumps(first),),
        ).fetchone()
    assert row is not None
    assert row[0].isoformat().startswith(first["ts"][:19]) and row[0].utcoffset() == timedelta(0)
    assert row[1:7] == (
        first["flow"],
        first["status"],
        first["attempt"],
        first["correlation_id"],
        first["source_id"],
        first["duration_ms"],
    )
    assert row[7].endswith(".jsonl:1")


def test_rotation_between_polls_reads_every_line_once(
    db: Database, tmp_path: Path, world: World
) -> None:
    writer = MiddlewareLogWriter(tmp_path, rotate_bytes=4096)
    events = world.log_events
    writer.write_until(events, events[len(events) // 2].ts)
    assert collect(db, tmp_path).healthy
    written_first = writer.written
    writer.write_until(events, NOW)
    assert len(writer.rotated_files()) > 2
    assert collect(db, tmp_path).healthy

    lines = lines_on_disk(tmp_path)
    assert writer.written > written_first and len(lines) == writer.written
    assert scalar(db, "SELECT sum(records) FROM collector_run") == len(lines)
    assert scalar(db, "SELECT count(*) FROM sync_event") == len(set(lines))
    marks = positions(db, "logs")["events"]["files"]
    assert {m["path"] for m in marks.values()} == {str(p) for p in tmp_path.glob("*.jsonl")}
    assert all(m["offset"] == Path(m["path"]).stat().st_size for m in marks.values())


def test_truncated_file_is_read_again_from_the_start(db: Database, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_text("".join(event_line(correlation_id=f"old-{i}") for i in range(5)))
    assert collect(db, tmp_path).healthy
    log.write_text("".join(event_line(correlation_id=f"new-{i}") for i in range(2)))
    assert collect(db, tmp_path).healthy
    assert scalar(db, "SELECT count(*) FROM sync_event") == 7
    assert scalar(db, "SELECT count(*) FROM sync_event WHERE origin = 'app.jsonl:2'") == 2
    mark = next(iter(positions(db, "logs")["events"]["files"].values()))
    assert (mark["offset"], mark["line"]) == (log.stat().st_size, 2)


def test_malformed_lines_are_quarantined_with_file_and_line(db: Database, tmp_path: Path) -> None:
    bad_json = '{"ts": "2026-11-20T10:00:00Z", "flow": '
    lines = [
        event_line(correlation_id="a"),
        bad_json + "\n",
        event_line(correlation_id="b", flow=...),
        event_line(correlation_id="c", status="exploded"),
        event_line(correlation_id="d", ts="yesterday"),
        event_line(correlation_id="e", attempt="two"),
        event_line(correlation_id="f"),
    ]
    (tmp_path / "ipaas.jsonl").write_text("".join(lines))
    outcome = collect(db, tmp_path)
    assert outcome.healthy, outcome.problems
    with db.connection() as conn:
        stored = {row[0] for row in conn.execute("SELECT correlation_id FROM sync_event")}
        quarantined = conn.execute(
            "SELECT location, payload, reason FROM quarantine ORDER BY location"
        ).fetchall()
    assert stored == {"a", "f"}
    assert [(q[0], q[1]) for q in quarantined] == [
        (f"ipaas.jsonl:{n}", lines[n - 1].rstrip("\n")) for n in range(2, 7)
    ]
    reasons = [q[2] for q in quarantined]
    assert "JSON" in reasons[0] and "'flow'" in reasons[1] and "'status'" in reasons[2]
    assert "'ts'" in reasons[3] and "'attempt'" in reasons[4]


def test_a_field_missing_from_every_line_is_reported_as_drift(db: Database, tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text(
        "".join(event_line(correlation_id=..., source_id=f"in_{i}") for i in range(4))
    )
    outcome = collect(db, tmp_path)
    assert not outcome.healthy
    assert outcome.reason is not None and "'correlation_id'" in outcome.reason
    assert scalar(db, "SELECT count(*) FROM quarantine") == 4


def test_partial_last_line_waits_until_it_is_complete(db: Database, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    second = event_line(correlation_id="second")
    log.write_text(event_line(correlation_id="first") + second[:25])
    assert collect(db, tmp_path).healthy
    assert scalar(db, "SELECT count(*) FROM sync_event") == 1
    with log.open("a") as handle:
        handle.write(second[25:])
    assert collect(db, tmp_path).healthy
    assert scalar(db, "SELECT count(*) FROM sync_event") == 2
    assert scalar(db, "SELECT count(*) FROM quarantine") == 0
    assert scalar(db, "SELECT origin FROM sync_event WHERE correlation_id = 'second'") == (
        "app.jsonl:2"
    )


def test_exact_duplicate_lines_are_stored_once(db: Database, tmp_path: Path) -> None:
    line = event_line()
    (tmp_path / "a.jsonl").write_text(line + line + event_line(attempt=2))
    (tmp_path / "b.jsonl").write_text(line)
    assert collect(db, tmp_path).healthy
    assert scalar(db, "SELECT count(*) FROM sync_event") == 2


def runs(db: Database) -> list[tuple[str, int, int]]:
    with db.connection() as conn:
        return [
            (status, quarantined, cleaned)
            for status, quarantined, cleaned in conn.execute(
                "SELECT status, quarantined, cleaned FROM collector_run ORDER BY id"
            )
        ]


def quarantined(db: Database) -> list[tuple[str, str, str]]:
    with db.connection() as conn:
        return [
            (location, reason, payload)
            for location, reason, payload in conn.execute(
                "SELECT location, reason, payload FROM quarantine ORDER BY location"
            )
        ]


NUL = "\x00"


def test_a_nul_neither_stops_ingestion_nor_holds_up_other_files(
    db: Database, tmp_path: Path
) -> None:
    raw_nul = event_line(correlation_id="raw").replace('"raw"', '"r\x00w"')
    (tmp_path / "a.jsonl").write_text(
        event_line(correlation_id="a1")
        + event_line(correlation_id="a2", error_message="NetSuite said \x00\x00")
        + event_line(correlation_id="a\x003")
        + raw_nul
        + event_line(correlation_id="a5")
    )
    (tmp_path / "b.jsonl").write_text(event_line(correlation_id="b1"))
    outcome = collect(db, tmp_path)
    assert outcome.healthy, outcome.problems
    with db.connection() as conn:
        stored = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT correlation_id, error_message, raw ->> 'error_message' FROM sync_event"
            )
        }
    assert stored.keys() == {"a1", "a2", "a5", "b1"}
    assert stored["a2"] == ("NetSuite said \ufffd\ufffd", "NetSuite said \ufffd\ufffd")
    assert [q[:2] for q in quarantined(db)] == [
        (
            "a.jsonl:3",
            "field 'correlation_id' holds U+0000 at character 1, "
            "which the store cannot hold in a key",
        ),
        ("a.jsonl:4", f"not JSON: Invalid control character at column {raw_nul.index(NUL) + 1}"),
    ]
    assert runs(db) == [("success", 2, 4)]
    # The watermark moved past the bad lines: the next poll reads nothing again.
    assert collect(db, tmp_path).healthy
    assert runs(db)[-1] == ("success", 0, 0)


def test_invalid_utf8_is_quarantined_with_the_byte_and_replaced(
    db: Database, tmp_path: Path
) -> None:
    good = event_line(correlation_id="ok").encode()
    bad = event_line(correlation_id="cafX").encode().replace(b"cafX", b"caf\xe9")
    (tmp_path / "a.jsonl").write_bytes(bad + good)
    assert collect(db, tmp_path).healthy
    assert scalar(db, "SELECT count(*) FROM sync_event") == 1
    ((location, reason, payload),) = quarantined(db)
    assert location == "a.jsonl:1"
    assert reason == f"line is not valid UTF-8: byte 0xe9 at byte {bad.index(b'caf') + 3}"
    assert '"correlation_id": "caf\ufffd"' in payload


def test_over_long_lines_and_fields_are_quarantined_with_an_excerpt(
    db: Database, tmp_path: Path
) -> None:
    five_mb = 5 * 2**20
    long_json = event_line(correlation_id="long", error_message="x" * five_mb)
    garbage = "#" * five_mb + "\n"
    lines = [
        event_line(correlation_id="first"),
        long_json,
        garbage,
        event_line(correlation_id="big-field", error_message="m" * 50_000),
        event_line(correlation_id="i" * 100_000),
        event_line(correlation_id="last"),
    ]
    (tmp_path / "a.jsonl").write_text("".join(lines))
    assert collect(db, tmp_path).healthy
    assert scalar(db, "SELECT count(*) FROM sync_event") == 2
    kept = quarantined(db)
    assert [(q[0], q[1]) for q in kept] == [
        (
            "a.jsonl:2",
            f"line is {len(long_json) - 1:,} bytes long, over max_line_bytes (1,048,576); "
            "its first 16,384 bytes are kept",
        ),
        (
            "a.jsonl:3",
            f"line is {five_mb:,} bytes long, over max_line_bytes (1,048,576); "
            "its first 16,384 bytes are kept",
        ),
        (
            "a.jsonl:4",
            "field 'error_message' is 50,000 characters long, over max_field_chars (10,000)",
        ),
        (
            "a.jsonl:5",
            "field 'correlation_id' is 100,000 characters long, over max_id_chars (255)",
        ),
    ]
    assert all(len(q[2]) < 17_000 for q in kept), "the quarantine keeps excerpts only"
    assert kept[1][2].startswith("####")
    assert scalar(db, "SELECT max(length(raw::text)) FROM sync_event") < 1000


def test_the_line_limit_is_configured_per_source_and_waits_for_a_whole_line(
    db: Database, tmp_path: Path
) -> None:
    log = tmp_path / "a.jsonl"
    long_line = event_line(correlation_id="long", error_message="y" * 3000)
    log.write_text(event_line(correlation_id="first") + long_line[:2500])
    limited = settings(tmp_path).model_copy(update={"max_line_bytes": 2048})
    connector = build_connector("logs", limited, clock=CLOCK)
    try:
        assert collect_source(db, connector, clock=CLOCK).healthy
        # The long line is still being written: nothing of it is read or quarantined yet.
        assert scalar(db, "SELECT count(*) FROM quarantine") == 0
        with log.open("a") as handle:
            handle.write(long_line[2500:] + event_line(correlation_id="after"))
        assert collect_source(db, connector, clock=CLOCK).healthy
    finally:
        connector.close()
    assert scalar(db, "SELECT count(*) FROM sync_event") == 2
    assert [(q[0], q[1]) for q in quarantined(db)] == [
        (
            "a.jsonl:2",
            f"line is {len(long_line) - 1:,} bytes long, over max_line_bytes (2,048); "
            "its first 2,049 bytes are kept",
        )
    ]


def test_a_file_name_that_is_not_utf8_is_read_like_any_other(db: Database, tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"ipaas-\xff.jsonl")).write_text(event_line(correlation_id="x"))
    assert collect(db, tmp_path).healthy
    assert scalar(db, "SELECT origin FROM sync_event") == "ipaas-\ufffd.jsonl:1"
    assert collect(db, tmp_path).healthy
    assert scalar(db, "SELECT count(*) FROM sync_event") == 1
    assert runs(db)[-1] == ("success", 0, 0)
