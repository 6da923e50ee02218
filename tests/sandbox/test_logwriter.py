"""The middleware log writer: idempotent appends, lossless rotation, one world per folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.generator import WorldSpec
from sandbox.logwriter import MARKER_NAME, LogFolderError, MiddlewareLogWriter, claim_log_folder
from sandbox.model import LogEvent
from sandbox.profile import Profile
from sandbox.server import SandboxPorts, log_writer, serve

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


def test_stragglers_land_in_the_rotated_file_on_the_next_call(tmp_path: Path) -> None:
    events = _events(40)
    writer = MiddlewareLogWriter(tmp_path, 1024, stragglers=2)
    writer.write_until(events, T0 + timedelta(seconds=9))
    rotated = writer.rotated_files()[-1]
    before = rotated.read_text().splitlines()
    writer.write_until(events, T0 + timedelta(seconds=20))
    after = rotated.read_text().splitlines()
    assert after[: len(before)] == before
    assert [json.loads(line)["correlation_id"] for line in after[len(before) :]] == ["c10", "c11"]
    ids = sorted(int(json.loads(line)["correlation_id"][1:]) for line in _lines(writer))
    assert ids == list(range(21))
    assert MiddlewareLogWriter(tmp_path, 1024).written == 21


def test_a_replayed_line_lands_on_both_sides_of_a_rotation(tmp_path: Path) -> None:
    events = _events(6)
    replayed = [*events[:3], events[2], *events[3:]]
    writer = MiddlewareLogWriter(tmp_path, 1_000_000, replays_across_rotation=True)
    writer.write_until(replayed, T0 + timedelta(seconds=10))
    [rotated] = writer.rotated_files()
    old, new = rotated.read_text().splitlines(), (tmp_path / "middleware.jsonl").read_text()
    assert old[-1] == new.splitlines()[0]
    assert len(old) + len(new.splitlines()) == len(replayed)


def test_a_log_folder_holds_one_world(tmp_path: Path) -> None:
    first = {"seed": 3, "profile": "default", "now": "2026-11-20T12:00:00+00:00"}
    claim_log_folder(tmp_path, first)
    MiddlewareLogWriter(tmp_path, 1024).write_until(_events(10), T0 + timedelta(seconds=9))
    claim_log_folder(tmp_path, first)  # the same world resumes
    other = {**first, "seed": 4}
    with pytest.raises(LogFolderError) as refused:
        claim_log_folder(tmp_path, other)
    message = str(refused.value)
    assert "seed 3" in message and "seed 4" in message
    assert "middleware.jsonl" in message and f"rm {tmp_path}/middleware*.jsonl" in message
    (tmp_path / MARKER_NAME).unlink()
    with pytest.raises(LogFolderError, match="an unknown world"):
        claim_log_folder(tmp_path, first)
    for path in tmp_path.glob("middleware*.jsonl"):
        path.unlink()
    claim_log_folder(tmp_path, other)
    assert json.loads((tmp_path / MARKER_NAME).read_text()) == other


def test_serve_refuses_a_log_folder_of_another_world(tmp_path: Path) -> None:
    profile = Profile(accounts=5)
    spec = WorldSpec(3, profile, T0)
    log_writer(spec, tmp_path).write_until(_events(3), T0 + timedelta(seconds=3))
    with pytest.raises(LogFolderError, match=r"middleware\.jsonl"):
        serve(WorldSpec(4, profile, T0), log_dir=tmp_path, ports=SandboxPorts(0, 0, 0, 0, 0))
