"""The middleware-log connector: one stream of sync events tailed from files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from collectors.base import Page, Stream
from collectors.http import SourceClient
from collectors.logs.parser import parse_line
from collectors.logs.tailer import Chunk, Line, LogTailer, marks_of, position_of
from core.clock import Clock
from core.config.sources import MiddlewareLogSource, RecordLimits
from core.errors import RecordError

PAGE_LINES = 2000
"""Lines per page: small enough to commit quickly, large enough to keep commits few."""


class LogEventStream(Stream):
    """Sync events from JSON-lines files; each page's position covers exactly its lines."""

    name: ClassVar[str] = "events"
    object_type: ClassVar[str] = "sync_event"
    primary_key: ClassVar[str] = "correlation_id"
    cursor_field: ClassVar[str | None] = "ts"

    def __init__(self, source: str, tailer: LogTailer) -> None:
        super().__init__(source)
        self.tailer = tailer

    def pages(self, position: dict[str, Any] | None) -> Iterator[Page]:
        """One page per chunk of new lines, oldest file first."""
        stored = marks_of(position)
        marks, files = self.tailer.scan(stored)
        written = stored
        for inode, path in files:
            for chunk in self.tailer.read(inode, path, marks.get(inode)):
                marks[inode] = chunk.mark
                written = dict(marks)
                yield self._page(chunk, position_of(written))
        if written != marks:
            # Nothing new to read, but files were renamed, truncated or removed.
            yield self.new_page(position_of(marks))

    def _page(self, chunk: Chunk, position: dict[str, Any]) -> Page:
        page = self.new_page(position)
        for number, line in enumerate(chunk.lines, start=chunk.first_line):
            location = f"{chunk.path.name}:{number}"
            if not line.whole:
                page.size += 1
                self._refuse_long(page, line, location)
                continue
            try:
                text = line.data.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                text = line.data.decode("utf-8", errors="replace").rstrip("\r\n")
                page.size += 1
                bad = line.data[exc.start : exc.start + 1].hex()
                error = RecordError(f"line is not valid UTF-8: byte 0x{bad} at byte {exc.start:,}")
                self._refuse(page, text, location, error)
                continue
            if not text.strip():
                continue  # a blank line holds no event and no error
            page.size += 1
            try:
                page.events.append(parse_line(text, location))
            except RecordError as exc:
                self._refuse(page, text, location, exc)
        return page

    def _refuse(self, page: Page, text: str, location: str, error: RecordError) -> None:
        """Keep the line as written, with where it was read and why it was refused."""
        page.quarantine(text, str(error), missing_field=error.missing_field, location=location)

    def _refuse_long(self, page: Page, line: Line, location: str) -> None:
        """Keep the start of a line over the limit, identified by a digest of all of it."""
        # The size counts the line break; the limit does not.
        reason = (
            f"line is {line.size - 1:,} bytes long, over max_line_bytes "
            f"({self.tailer.max_line_bytes:,}); its first {len(line.data):,} bytes are kept"
        )
        text = line.data.decode("utf-8", errors="replace")
        page.quarantine(text, reason, location=location, digest=line.digest)


class LogConnector:
    """A configured set of middleware log files."""

    def __init__(self, name: str, settings: MiddlewareLogSource) -> None:
        self.name = name
        self.client: SourceClient | None = None
        self.limits: RecordLimits = settings
        tailer = LogTailer(settings.path, PAGE_LINES, settings.max_line_bytes)
        self._streams = [LogEventStream(name, tailer)]

    def streams(self) -> Sequence[Stream]:
        """The one event stream."""
        return self._streams

    def api_usage(self) -> dict[str, Any] | None:
        """Files have no API budget."""
        return None

    def close(self) -> None:
        """Nothing to release: files are closed after every read."""


def build_connector(name: str, settings: MiddlewareLogSource, *, clock: Clock) -> LogConnector:
    """The connector of one configured middleware-log source (files need no clock)."""
    return LogConnector(name, settings)
