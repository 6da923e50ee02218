"""The middleware log writer: idempotent appends and lossless rotation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandbox.logwriter import MiddlewareLogWriter
from sandbox.model import LogEvent

T0 = datetime(2024, 6, 1, tzinfo=UTC)


def _events(count: int) -> list[LogEvent]:
    def event(i: int) -> LogEvent:
        ts = T0 + timedelta(seconds=i)
        flow = "invoice_billing_to_erp"
        return LogEvent(
            ts, flow, f"c{i}", "stripe", f"in_{i}", "netsuite", str(i), "success", 1, None, None, 5
        )

    return [event(i) for i in range(count)]


def _lines(writer: MiddlewareLogWriter) -> list[str]:
    return [line for path in writer.files() for line in path.read_text().splitlines()]


def test_writes_each_due_line_once(tmp_path: Path) -> None:
    events = _events(10)
    writer = MiddlewareLogWriter(tmp_path, 1_000_000)
    assert writer.write_until(events, T0 + timedelta(seconds=3)) == 4
    assert writer.write_until(events, T0 + timedelta(seconds=3)) == 0
    assert writer.write_until(events, T0 + timedelta(seconds=9)) == 6
    assert writer.write_until(events, T0 + timedelta(days=1)) == 0
    lines = _lines(writer)
    assert lines == [json.dumps(e.as_json(), separators=(",", ":")) for e in events]
    assert json.loads(lines[0])["ts"] == "2024-06-01T00:00:00.000Z"


def test_rotation_keeps_every_line_exactly_once(tmp_path: Path) -> None:
    events = _events(200)
    writer = MiddlewareLogWriter(tmp_path, 2048)
    active = tmp_path / "middleware.jsonl"
    inodes = set()
    for second in range(0, 200, 7):
        writer.write_until(events, T0 + timedelta(seconds=second))
        inodes.add(active.stat().st_ino)
    writer.write_until(events, T0 + timedelta(seconds=200))
    rotated = writer.rotated_files()
    assert len(rotated) > 3
    assert len(inodes) > 1  # the fresh file is a new inode, so tailers can follow the old one
    assert all(p.stat().st_size <= 2048 for p in writer.files())
    assert all(p.name.startswith("middleware-2024") for p in rotated)
    ids = [json.loads(line)["correlation_id"] for line in _lines(writer)]
    assert ids == [f"c{i}" for i in range(200)]


def test_a_restarted_writer_resumes_where_the_files_end(tmp_path: Path) -> None:
    events = _events(50)
    MiddlewareLogWriter(tmp_path, 1024).write_until(events, T0 + timedelta(seconds=30))
    again = MiddlewareLogWriter(tmp_path, 1024)
    assert again.written == 31
    again.write_until(events, T0 + timedelta(seconds=60))
    ids = [json.loads(line)["correlation_id"] for line in _lines(again)]
    assert ids == [f"c{i}" for i in range(50)]
