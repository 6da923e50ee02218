"""Streams and paginators: the declarative shape every connector fills in.

A stream names one endpoint's records (``name``, ``object_type``, ``primary_key``,
``cursor_field``) and yields pages. Each page carries its parsed records, the records it had to
quarantine, and the stream position *after* the page; the runner commits all three in one
transaction, so the position never runs ahead of the rows it covers. The error classes are in
``collectors.errors``.
"""

from __future__ import annotations

import decimal
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from collectors.errors import LoopDetectedError
from core.errors import RecordError
from core.store.events import LogEventRow
from core.store.records import CanonicalRecord
from core.store.runs import QuarantinedRecord

Raw = Mapping[str, Any]
Parsed = TypeVar("Parsed", CanonicalRecord, LogEventRow)


@dataclass(slots=True)
class Page:
    """One fetched page, parsed, with the stream position to store once it is committed."""

    records: list[CanonicalRecord] = field(default_factory=list)
    events: list[LogEventRow] = field(default_factory=list)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    position: dict[str, Any] | None = None
    missing_fields: dict[str, int] = field(default_factory=dict)
    size: int = 0


class Stream(ABC):
    """One incremental stream of records from a source."""

    name: ClassVar[str]
    object_type: ClassVar[str]
    primary_key: ClassVar[str]
    cursor_field: ClassVar[str | None] = None

    def __init__(self, source: str) -> None:
        self.source = source

    @abstractmethod
    def pages(self, position: dict[str, Any] | None) -> Iterator[Page]:
        """Yield pages from ``position`` (None: from the beginning) until the stream is drained."""

    def page_of(
        self,
        raws: Iterable[Raw],
        parse: Callable[[Raw], Parsed | None],
        position: dict[str, Any] | None,
    ) -> Page:
        """Parse raw records into a page, quarantining those that cannot be read."""
        page = Page(position=position)
        for raw in raws:
            page.size += 1
            try:
                parsed = parse(raw)
            except RecordError as exc:
                self._quarantine(page, raw, str(exc), exc.missing_field)
                continue
            except (KeyError, TypeError, ValueError, decimal.InvalidOperation) as exc:
                self._quarantine(page, raw, f"{type(exc).__name__}: {exc}", None)
                continue
            if isinstance(parsed, CanonicalRecord):
                page.records.append(parsed)
            elif isinstance(parsed, LogEventRow):
                page.events.append(parsed)
        return page

    def _quarantine(self, page: Page, raw: Raw, reason: str, missing: str | None) -> None:
        if missing:
            page.missing_fields[missing] = page.missing_fields.get(missing, 0) + 1
        raw_id = raw.get(self.primary_key) if isinstance(raw, Mapping) else None
        page.quarantined.append(
            QuarantinedRecord(
                source=self.source,
                object_type=self.object_type,
                reason=reason,
                payload=json.dumps(raw, default=str, sort_keys=True),
                external_id=str(raw_id) if raw_id not in (None, "") else None,
            )
        )


class Paginator:
    """Tracks page tokens and refuses one it has already seen, so paging always ends."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self._seen: set[str] = set()

    def advance(self, token: str | None) -> str | None:
        """Accept the next token (None: last page); raise LoopDetectedError on a repeat."""
        if token is None:
            return None
        if token in self._seen:
            raise LoopDetectedError(
                f"{self.stream}: the API returned page token {token[:40]!r} twice (loop detected)"
            )
        self._seen.add(token)
        return token


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
