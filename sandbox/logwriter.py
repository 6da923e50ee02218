"""The middleware's JSON-lines log on disk, written as simulated time passes, with rotation.

The active file is ``middleware.jsonl``. Before a line would push it past the rotation size it
is renamed to ``middleware-<UTC timestamp>-<n>.jsonl`` and a fresh file (a new inode) takes its
place, the way logrotate's rename-and-create works: a tailer that follows the old inode to its
end and then reopens the path reads every line exactly once.

Two habits of real shippers can be switched on: a process that still holds the rotated file
writes its next few lines there (``stragglers``, on the writer's next call, so after a reader
may have finished that file), and a replayed line lands on both sides of a rotation
(``replays_across_rotation``: the file rotates between a line and its exact replay).

The folder holds one world's logs: ``sandbox-world.json`` names it, and ``claim_log_folder``
refuses a folder holding another world's files rather than append a second world to them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import SyncwatchError
from sandbox.model import LogEvent

ACTIVE_NAME = "middleware.jsonl"
MARKER_NAME = "sandbox-world.json"
_LOG_GLOB = "middleware*.jsonl"


class LogFolderError(SyncwatchError):
    """A log folder that holds another world's middleware logs."""

    exit_code = 2


def claim_log_folder(directory: Path, world: Mapping[str, Any]) -> None:
    """Make ``directory`` the log folder of ``world`` (a JSON-ready description of it).

    A folder without log files is claimed (its marker written); one whose marker names the same
    world is resumed. Log files with no marker, or with another world's, are refused, naming the
    files and how to clear them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / MARKER_NAME
    logs = sorted(p.name for p in directory.glob(_LOG_GLOB))
    claimed = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else None
    if logs and claimed != dict(world):
        owner = "an unknown world" if claimed is None else _describe(claimed)
        shown = ", ".join(logs[:5]) + (f" and {len(logs) - 5} more" if len(logs) > 5 else "")
        raise LogFolderError(
            f"log folder {directory} holds the middleware logs of {owner}, not of "
            f"{_describe(world)}: {shown}. Remove them (rm {directory}/{_LOG_GLOB} "
            f"{directory}/{MARKER_NAME}) or choose another --log-dir."
        )
    marker.write_text(json.dumps(dict(world), sort_keys=True) + "\n", encoding="utf-8")


def _describe(world: Mapping[str, Any]) -> str:
    return ", ".join(f"{key} {world[key]}" for key in sorted(world) if key != "fingerprint")


class MiddlewareLogWriter:
    """Appends the log lines whose time has come; calling it again adds only newer lines."""

    def __init__(
        self,
        directory: Path,
        rotate_bytes: int,
        *,
        stragglers: int = 0,
        replays_across_rotation: bool = False,
    ) -> None:
        if rotate_bytes < 1:
            raise ValueError("rotate_bytes must be positive")
        self.directory = directory
        self.rotate_bytes = rotate_bytes
        self.stragglers = stragglers
        self.replays_across_rotation = replays_across_rotation
        directory.mkdir(parents=True, exist_ok=True)
        self._active = directory / ACTIVE_NAME
        self._rotations = len(self.rotated_files())
        # Resume after a restart: the lines already on disk are the first ones of the sequence.
        self._written = sum(_count_lines(path) for path in self.files())
        self._size = self._active.stat().st_size if self._active.exists() else 0
        self._straggling: Path | None = None

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
        batch = events[start:end]
        if self._straggling is not None:
            late, batch = batch[: self.stragglers], batch[self.stragglers :]
            with self._straggling.open("a", encoding="utf-8") as old:
                old.writelines(_line(event) for event in late)
            self._written += len(late)
            self._straggling = None
        previous = events[self._written - 1] if self._written else None
        handle = self._active.open("a", encoding="utf-8")
        try:
            for event in batch:
                line = _line(event)
                size = len(line.encode())
                replay = self.replays_across_rotation and event == previous
                if self._size and (self._size + size > self.rotate_bytes or replay):
                    handle.close()
                    self._rotate(at)
                    handle = self._active.open("a", encoding="utf-8")
                handle.write(line)
                self._size += size
                self._written += 1
                previous = event
        finally:
            handle.close()
        return end - start

    def _rotate(self, at: datetime) -> None:
        self._rotations += 1
        stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        rotated = self.directory / f"middleware-{stamp}-{self._rotations}.jsonl"
        self._active.rename(rotated)
        self._size = 0
        if self.stragglers:
            self._straggling = rotated


def _line(event: LogEvent) -> str:
    return json.dumps(event.as_json(), separators=(",", ":")) + "\n"


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
