"""The middleware's JSON-lines log on disk, written as simulated time passes, with rotation.

The active file is ``middleware.jsonl``. Before a line would push it past the rotation size it
is renamed to ``middleware-<UTC timestamp>-<n>.jsonl`` and a fresh file (a new inode) takes its
place, the way logrotate's rename-and-create works: a tailer that follows the old inode to its
end and then reopens the path reads every line exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sandbox.model import LogEvent

ACTIVE_NAME = "middleware.jsonl"


class MiddlewareLogWriter:
    """Appends the log lines whose time has come; calling it again adds only newer lines."""

    def __init__(self, directory: Path, rotate_bytes: int) -> None:
        if rotate_bytes < 1:
            raise ValueError("rotate_bytes must be positive")
        self.directory = directory
        self.rotate_bytes = rotate_bytes
        directory.mkdir(parents=True, exist_ok=True)
        self._active = directory / ACTIVE_NAME
        self._rotations = len(self.rotated_files())
        # Resume after a restart: the lines already on disk are the first ones of the sequence.
        self._written = sum(_count_lines(path) for path in self.files())
        self._size = self._active.stat().st_size if self._active.exists() else 0

    def files(self) -> list[Path]:
        """Every log file, oldest first (the active file last)."""
        active = [self._active] if self._active.exists() else []
        return [*self.rotated_files(), *active]

    def rotated_files(self) -> list[Path]:
        """The rotated files, oldest first."""
        rotated = self.directory.glob("middleware-*.jsonl")
        return sorted(rotated, key=lambda p: int(p.stem.rsplit("-", 1)[1]))

    @property
    def written(self) -> int:
        """How many events of the sequence are on disk."""
        return self._written

    def write_until(self, events: Sequence[LogEvent], at: datetime) -> int:
        """Append every event with ``ts <= at`` not yet written; return how many were added.

        ``events`` must be the same time-ordered sequence on every call (it may grow at the end).
        """
        start = self._written
        end = start
        while end < len(events) and events[end].ts <= at:
            end += 1
        if end == start:
            return 0
        handle = self._active.open("a", encoding="utf-8")
        try:
            for event in events[start:end]:
                line = json.dumps(event.as_json(), separators=(",", ":")) + "\n"
                size = len(line.encode())
                if self._size and self._size + size > self.rotate_bytes:
                    handle.close()
                    self._rotate(at)
                    handle = self._active.open("a", encoding="utf-8")
                handle.write(line)
                self._size += size
                self._written += 1
        finally:
            handle.close()
        return end - start

    def _rotate(self, at: datetime) -> None:
        self._rotations += 1
        stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        self._active.rename(self.directory / f"middleware-{stamp}-{self._rotations}.jsonl")
        self._size = 0


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
