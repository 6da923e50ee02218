"""SuiteQL over REST: one page per POST, and the account-local dates SuiteQL reads and writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from collectors.base import Paginator
from collectors.errors import FatalSourceError
from collectors.http import SourceClient
from core.errors import RecordError

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
DATE_FORMAT = "YYYY-MM-DD HH24:MI:SS"
_STRPTIME = "%Y-%m-%d %H:%M:%S"
_LOCAL_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")

Rows = tuple[list[dict[str, Any]], bool]
"""One SuiteQL page: its items and whether more follow."""


def local_text(column: str) -> str:
    """A select item rendering a date column as account-local ``YYYY-MM-DD HH24:MI:SS``."""
    return f"TO_CHAR({column}, '{DATE_FORMAT}')"


def to_date(text: str) -> str:
    """A TO_DATE literal of account-local ``text`` (checked, so it cannot inject SQL)."""
    if not _LOCAL_TEXT.match(text):
        raise FatalSourceError(f"NetSuite returned an unreadable date {text[:40]!r}")
    return f"TO_DATE('{text}', '{DATE_FORMAT}')"


def local_of(instant: datetime, tz: ZoneInfo) -> str:
    """The account-local text of an instant (seconds dropped below, never rounded up)."""
    return instant.astimezone(tz).strftime(_STRPTIME)


def parse_local(value: object, tz: ZoneInfo) -> datetime:
    """Account-local ``YYYY-MM-DD HH:MM:SS`` as a UTC instant.

    In the repeated hour when clocks fall back, the text names two instants; NetSuite gives no
    offset, so the first occurrence (fold=0) is taken, the same one TO_DATE reads.
    """
    if not isinstance(value, str):
        raise RecordError(f"date {value!r} is not a string")
    try:
        naive = datetime.strptime(value, _STRPTIME)
    except ValueError:
        raise RecordError(f"date {value!r} is not in {DATE_FORMAT} form") from None
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def string_literal(value: str) -> str:
    """A quoted SuiteQL string literal."""
    return "'" + value.replace("'", "''") + "'"


class SuiteQL:
    """Runs SuiteQL queries one page at a time."""

    def __init__(self, client: SourceClient) -> None:
        self.client = client

    def page(self, query: str, *, limit: int, offset: int) -> Rows:
        """The items at ``offset`` (at most ``limit``) and whether more follow."""
        response = self.client.post(
            SUITEQL_PATH,
            params={"limit": limit, "offset": offset},
            json={"q": query},
            headers={"Prefer": "transient"},
        )
        body = response.json()
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise FatalSourceError("NetSuite answered a SuiteQL query without an items list")
        rows = [{k: v for k, v in item.items() if k != "links"} for item in items]
        return rows, bool(body.get("hasMore"))

    def all(self, query: str, *, limit: int = 1000) -> list[dict[str, Any]]:
        """Every item of a small query (a lookup table), following ``hasMore``."""
        rows: list[dict[str, Any]] = []
        paginator = OffsetPaginator("suiteql lookup", 0)
        for items, _ in paginator.responses(
            lambda offset: self.page(query, limit=limit, offset=offset)
        ):
            rows.extend(items)
        return rows


class OffsetPaginator(Paginator[int, Rows]):
    """Pages a query by offset while NetSuite says more rows follow."""

    def has_more(self, response: Rows) -> bool:
        """More follows while ``hasMore`` holds and the page was not empty."""
        items, more = response
        return more and bool(items)

    def next_value(self, response: Rows) -> int:
        """The offset after the page."""
        return self.current_value + len(response[0])
