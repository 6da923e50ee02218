"""Keyset windows over SuiteQL: the paginator of every NetSuite stream.

A SuiteQL query can page through at most 100,000 results, so no query is paged past
``window_rows``: each window is ``lastmodifieddate > X OR (lastmodifieddate = X AND id > Y)``
after the last row read, ordered by (lastmodifieddate, id). NetSuite re-runs the query for every
page, so a record modified mid-read moves to the end and the rows after it shift back by one;
each page therefore re-reads the previous page's last row and, when it is no longer there,
starts a new window after it instead of skipping a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from collectors.base import Paginator, Raw
from collectors.errors import FatalSourceError
from collectors.netsuite.suiteql import to_date

MODIFIED = "lastmodifieddate"
MODIFIED_LOCAL = "lastmodified_local"


@dataclass(frozen=True, slots=True)
class WindowPage:
    """Where one SuiteQL page reads: the window's condition, offset and limit.

    ``overlap_id`` is the id of the previous page's last row, which this page re-reads first
    (None: no row to re-read); ``after`` is the condition for rows after the last row read so
    far, where the next window starts.
    """

    condition: str | None
    offset: int
    limit: int
    overlap_id: Any = None
    after: str | None = None


@dataclass(frozen=True, slots=True)
class WindowResponse:
    """The rows a page added (its re-read row dropped), whether more follow, and a shift."""

    fresh: Sequence[Raw]
    more: bool
    shifted: bool


def after_condition(
    stream: str, items: Sequence[Raw], column: str = MODIFIED, key: str = "id"
) -> str:
    """The condition for rows after the last readable (``column``, ``key``) of ``items``.

    Items carry the date as ``MODIFIED_LOCAL`` text and the key as ``id`` (aliased so).
    """
    for item in reversed(items):
        text, row_id = item.get(MODIFIED_LOCAL), item.get("id")
        if not (isinstance(text, str) and isinstance(row_id, str) and row_id.isdigit()):
            continue
        try:
            x = to_date(text)
        except FatalSourceError:
            continue  # a malformed row; an earlier one still marks the position
        return f"{column} > {x} OR ({column} = {x} AND {key} > {row_id})"
    raise FatalSourceError(
        f"{stream}: a whole page lacks a readable {column}; cannot continue past it"
    )


class WindowPaginator(Paginator[WindowPage, WindowResponse]):
    """Pages one window by offset, and opens the next window when it is full or shifted."""

    def __init__(
        self,
        stream: str,
        condition: str | None,
        *,
        page_size: int,
        window_rows: int,
        column: str = MODIFIED,
        key: str = "id",
    ) -> None:
        self.page_size = page_size
        self.window_rows = window_rows
        self.column = column
        self.key_column = key
        super().__init__(stream, self._window(condition))

    def has_more(self, response: WindowResponse) -> bool:
        """A shifted window is read again after its last row; otherwise NetSuite says."""
        return response.shifted or response.more

    def next_value(self, response: WindowResponse) -> WindowPage:
        """The next page of this window, or the first of the window after the rows read."""
        current = self.current_value
        if response.shifted:
            return self._window(current.after)
        if not response.fresh:
            raise FatalSourceError(f"{self.stream}: NetSuite promised more rows, sent none")
        after = after_condition(self.stream, response.fresh, self.column, self.key_column)
        last_id = response.fresh[-1].get("id")
        overlap = 0 if last_id is None else 1
        offset = current.offset + (current.overlap_id is not None) + len(response.fresh)
        limit = min(self.page_size, self.window_rows - (offset - overlap))
        if limit <= overlap:
            return self._window(after)
        return replace(
            current, offset=offset - overlap, limit=limit, overlap_id=last_id, after=after
        )

    def key(self, value: WindowPage) -> str | None:
        """The window and the offset read in it."""
        return f"{value.condition}|{value.offset}"

    def _window(self, condition: str | None) -> WindowPage:
        limit = min(self.page_size, self.window_rows)
        return WindowPage(condition, 0, limit, after=condition)
