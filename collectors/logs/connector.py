"""The middleware-log connector: one stream of sync events tailed from files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from collectors.base import Page, Stream
from collectors.http import SourceClient
from collectors.logs.parser import parse_line
from collectors.logs.tailer import Chunk, LogTailer, marks_of, position_of
from core.clock import Clock
from core.config.sources import MiddlewareLogSource
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
        for number, raw in enumerate(chunk.lines, start=chunk.first_line):
            location = f"{chunk.path.name}:{number}"
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                page.size += 1
                self._refuse(page, text, location, RecordError("line is not valid UTF-8"))
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


class LogConnector:
    """A configured set of middleware log files."""

    def __init__(self, name: str, settings: MiddlewareLogSource) -> None:
        self.name = name
        self.client: SourceClient | None = None
        self._streams = [LogEventStream(name, LogTailer(settings.path, PAGE_LINES))]

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
