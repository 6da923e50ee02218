"""Streams and paginators: the declarative shape every connector fills in.

A stream names one endpoint's records (``name``, ``object_type``, ``primary_key``,
``cursor_field``) and yields pages. Each page carries its parsed records, the records it had to
quarantine, and the stream position *after* the page; the runner commits all three in one
transaction, so the position never runs ahead of the rows it covers. The error classes are in
``collectors.errors``.

An API stream (``PagedStream``) pages through its endpoint in the one paging loop below: its
``Paginator`` owns has-more, the next request position and loop detection; the connector says
only how to request one position and how to parse one response.
"""

from __future__ import annotations

import decimal
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from collectors.errors import LoopDetectedError
from core.errors import RecordError
from core.store.deletions import Deletion, PresentKeys
from core.store.events import LogEventRow
from core.store.records import CanonicalRecord
from core.store.runs import QuarantinedRecord
from core.store.text import as_text as as_text  # connectors quarantine raw records with it

Raw = Mapping[str, Any]
Position = dict[str, Any]
Parsed = CanonicalRecord | LogEventRow | Deletion
Token = TypeVar("Token")
Response = TypeVar("Response")


@dataclass(slots=True)
class Page:
    """One fetched page, parsed, with the stream position to store once it is committed.

    ``deletions`` are records the source reports deleted; ``present`` is a finished listing
    of every current id of one object type (stored ids missing from it are marked deleted).
    """

    source: str
    object_type: str
    records: list[CanonicalRecord] = field(default_factory=list)
    events: list[LogEventRow] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    present: PresentKeys | None = None
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    position: Position | None = None
    missing_fields: dict[str, int] = field(default_factory=dict)
    size: int = 0
    cleaned: int = 0

    def quarantine(
        self,
        payload: str,
        reason: str,
        *,
        missing_field: str | None = None,
        external_id: object = None,
        location: str | None = None,
        digest: bytes | None = None,
    ) -> None:
        """Set one unreadable record (``payload``: its text) aside with the reason.

        A field the record lacks is counted, so the runner can tell schema drift from noise.
        ``digest`` identifies a record whose ``payload`` is only its start.
        """
        if missing_field:
            self.missing_fields[missing_field] = self.missing_fields.get(missing_field, 0) + 1
        self.quarantined.append(
            QuarantinedRecord(
                source=self.source,
                object_type=self.object_type,
                reason=reason,
                payload=payload,
                external_id=str(external_id) if external_id not in (None, "") else None,
                location=location,
                digest=digest,
            )
        )


class Stream(ABC):
    """One incremental stream of records from a source."""

    name: ClassVar[str]
    object_type: ClassVar[str]
    primary_key: ClassVar[str]
    cursor_field: ClassVar[str | None] = None

    def __init__(self, source: str) -> None:
        self.source = source

    @abstractmethod
    def pages(self, position: Position | None) -> Iterator[Page]:
        """Yield pages from ``position`` (None: from the beginning) until the stream is drained."""

    def new_page(self, position: Position | None = None) -> Page:
        """An empty page of this stream's records."""
        return Page(self.source, self.object_type, position=position)

    def page_of(
        self,
        raws: Iterable[Raw],
        parse: Callable[[Raw], Parsed | None],
        position: Position | None,
    ) -> Page:
        """Parse raw records into a page, quarantining those that cannot be read."""
        page = self.new_page(position)
        for raw in raws:
            page.size += 1
            try:
                parsed = parse(raw)
            except RecordError as exc:
                page.quarantine(
                    as_text(raw),
                    str(exc),
                    missing_field=exc.missing_field,
                    external_id=self._raw_id(raw),
                )
                continue
            except (KeyError, TypeError, ValueError, decimal.InvalidOperation) as exc:
                reason = f"{type(exc).__name__}: {exc}"
                page.quarantine(as_text(raw), reason, external_id=self._raw_id(raw))
                continue
            if isinstance(parsed, CanonicalRecord):
                page.records.append(parsed)
            elif isinstance(parsed, LogEventRow):
                page.events.append(parsed)
            elif isinstance(parsed, Deletion):
                page.deletions.append(parsed)
        return page

    def _raw_id(self, raw: object) -> object:
        return raw.get(self.primary_key) if isinstance(raw, Mapping) else None


class Paginator(ABC, Generic[Token, Response]):
    """Owns has-more, the next request position and loop detection (singer-sdk's model).

    ``advance(response)`` finishes when the response says nothing follows, and otherwise moves
    to the position it names; a position handed back a second time raises LoopDetectedError,
    so paging always ends.
    """

    def __init__(self, stream: str, start: Token) -> None:
        self.stream = stream
        self.current_value = start
        self.count = 0
        self._finished = False
        self._seen: set[str] = set()
        self._remember(start)

    @property
    def finished(self) -> bool:
        """Whether the last response was the last page."""
        return self._finished

    def has_more(self, response: Response) -> bool:
        """Whether another page follows ``response``."""
        return True

    @abstractmethod
    def next_value(self, response: Response) -> Token:
        """The position of the page after ``response``."""

    def key(self, value: Token) -> str | None:
        """What identifies a position for loop detection (None: nothing to compare)."""
        return None if value is None else str(value)

    def advance(self, response: Response) -> None:
        """Move past ``response``: finish, or take the next position (refusing a repeat)."""
        self.count += 1
        if not self.has_more(response):
            self._finished = True
            return
        value = self.next_value(response)
        self._remember(value)
        self.current_value = value

    def responses(self, request: Callable[[Token], Response]) -> Iterator[Response]:
        """The one paging loop: request each position until the paginator is finished.

        The loop advances only after the caller has used a response, so a page is committed
        before a repeated token stops the stream.
        """
        while not self._finished:
            response = request(self.current_value)
            yield response
            self.advance(response)

    def _remember(self, value: Token) -> None:
        key = self.key(value)
        if key is None:
            return
        if key in self._seen:
            raise LoopDetectedError(
                f"{self.stream}: the API returned page token {key[:40]!r} twice (loop detected)"
            )
        self._seen.add(key)


class PagedStream(Stream, Generic[Token, Response]):
    """A stream read page by page from an API: a paginator, a request and a parse."""

    @abstractmethod
    def paginator(self, position: Position | None) -> Paginator[Token, Response]:
        """A paginator starting where the stored ``position`` says to read."""

    @abstractmethod
    def request(self, value: Token) -> Response:
        """Fetch the page at ``value``."""

    @abstractmethod
    def parse_response(self, response: Response, position: Position | None) -> Page | None:
        """The page of ``response``, positioned after ``position``; None when it adds nothing."""

    def prepare(self) -> None:
        """Load what parsing needs once per poll (lookup tables)."""

    def pages(self, position: Position | None) -> Iterator[Page]:
        """Page through the endpoint from ``position`` until the paginator is finished."""
        self.prepare()
        for response in self.paginator(position).responses(self.request):
            page = self.parse_response(response, position)
            if page is not None:
                position = page.position
                yield page


def require(raw: Raw, field_name: str) -> Any:
    """A field that must be present (absent: schema drift) and not null (null: malformed)."""
    if field_name not in raw:
        raise RecordError(f"field {field_name!r} is missing", missing_field=field_name)
    value = raw[field_name]
    if value is None:
        raise RecordError(f"field {field_name!r} is null")
    return value


def expect_present(raw: Raw, field_name: str) -> Any:
    """A field that must be present but may be null."""
    if field_name not in raw:
        raise RecordError(f"field {field_name!r} is missing", missing_field=field_name)
    return raw[field_name]
