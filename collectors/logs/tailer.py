"""Tails a glob of log files by inode and byte offset, surviving rotation and truncation.

The position of each file is keyed by its inode, not its name: logrotate renames the active
file (same inode) and creates a new one (new inode) in its place, so a renamed file is read to
its end from where it stopped and the new file from its start. A file shorter than its stored
offset was truncated and is read again from the start. Only complete lines count: a last line
without its newline is still being written and waits for the next poll.

A line longer than the limit is never held whole: its first bytes, its size and a digest of all
of it are kept, for the quarantine, and the rest is read past.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from core.store.text import EXCERPT_CHARS, storable

_BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileMark:
    """How far one file has been read: byte offset and the number of lines before it."""

    path: str
    offset: int = 0
    line: int = 0

    def as_json(self) -> dict[str, Any]:
        """The mark as stored in the stream position.

        The path only informs (files are found by inode), so a name that is not UTF-8, which
        Python holds with surrogates the store refuses, is stored with U+FFFD instead.
        """
        return {"path": storable(self.path)[0], "offset": self.offset, "line": self.line}


@dataclass(frozen=True, slots=True)
class Line:
    """One complete line; past the limit only its start, with its size and a digest of it all."""

    data: bytes
    size: int
    digest: bytes | None = None

    @property
    def whole(self) -> bool:
        """Whether ``data`` is the whole line."""
        return self.digest is None


@dataclass(slots=True)
class Chunk:
    """Consecutive complete lines of one file and the mark just after them."""

    inode: str
    path: Path
    first_line: int
    mark: FileMark
    lines: list[Line] = field(default_factory=list)


def marks_of(position: Mapping[str, Any] | None) -> dict[str, FileMark]:
    """The file marks stored in a stream position."""
    files = (position or {}).get("files") or {}
    return {
        inode: FileMark(str(m["path"]), int(m["offset"]), int(m["line"]))
        for inode, m in files.items()
    }


def position_of(marks: Mapping[str, FileMark]) -> dict[str, Any]:
    """A stream position holding ``marks``."""
    return {"files": {inode: mark.as_json() for inode, mark in marks.items()}}


class LogTailer:
    """Reads the new complete lines of every file matching a glob, in chunks."""

    def __init__(self, pattern: str, chunk_lines: int, max_line_bytes: int) -> None:
        self.pattern = pattern
        self.chunk_lines = chunk_lines
        self.max_line_bytes = max_line_bytes

    def scan(
        self, marks: Mapping[str, FileMark]
    ) -> tuple[dict[str, FileMark], list[tuple[str, Path]]]:
        """Reconcile stored marks with the files on disk; return them and the files to read.

        Files that are gone are forgotten, a renamed file keeps its mark under its new name,
        a truncated one restarts at zero. Files are read oldest first (by modification time),
        so a rotated file is finished before its successor is started.
        """
        found: list[tuple[float, str, Path, int]] = []
        # glob.glob rather than Path.glob: the pattern may hold wildcards in any component.
        for name in glob.glob(self.pattern):  # noqa: PTH207
            path = Path(name)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if path.is_file():
                found.append((stat.st_mtime, str(stat.st_ino), path, stat.st_size))
        found.sort(key=lambda f: (f[0], str(f[2])))
        reconciled: dict[str, FileMark] = {}
        for _, inode, path, size in found:
            mark = marks.get(inode)
            if mark is None:
                continue
            if size < mark.offset:
                reconciled[inode] = FileMark(str(path))
            else:
                reconciled[inode] = FileMark(str(path), mark.offset, mark.line)
        return reconciled, [(inode, path) for _, inode, path, _ in found]

    def read(self, inode: str, path: Path, mark: FileMark | None) -> Iterator[Chunk]:
        """The complete lines of file ``inode`` (at ``path``) after ``mark``, in chunks."""
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            if str(os.fstat(handle.fileno()).st_ino) != inode:
                # Rotated between the scan and now: the name holds another file, which the
                # next poll will see under its own inode.
                return
            start = mark if mark is not None else FileMark(str(path))
            handle.seek(start.offset)
            offset, line = start.offset, start.line
            chunk = Chunk(inode, path, line + 1, start)
            for read in self._lines(handle):
                offset += read.size
                line += 1
                chunk.lines.append(read)
                chunk.mark = FileMark(str(path), offset, line)
                if len(chunk.lines) == self.chunk_lines:
                    yield chunk
                    chunk = Chunk(inode, path, line + 1, chunk.mark)
            if chunk.lines:
                yield chunk

    def _lines(self, handle: IO[bytes]) -> Iterator[Line]:
        """The complete lines from the handle's position; an over-long one is read past."""
        while True:
            raw = handle.readline(self.max_line_bytes + 1)
            if raw.endswith(b"\n"):
                yield Line(raw, len(raw))
                continue
            if len(raw) <= self.max_line_bytes:
                return  # the end of the file, or a last line still being written
            start, digest, size = raw[:EXCERPT_CHARS], hashlib.sha256(raw), len(raw)
            while not raw.endswith(b"\n"):
                raw = handle.readline(_BLOCK)
                if not raw:
                    return  # an over-long line still being written: read past it when complete
                digest.update(raw)
                size += len(raw)
            yield Line(start, size, digest.digest())
