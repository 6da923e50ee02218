"""NetSuite streams: SuiteQL read by lastmodifieddate in keyset windows, paged by offset.

A SuiteQL query can page through at most 100,000 results, so no query is paged past
``window_rows``: each window is ``lastmodifieddate > X OR (lastmodifieddate = X AND id > Y)``
after the last row read, ordered by (lastmodifieddate, id). NetSuite re-runs the query for every
page, so a record modified mid-read moves to the end and the rows after it shift back by one;
each page therefore re-reads the previous page's last row and, when it is no longer there,
starts a new window after it instead of skipping a row.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from collectors.base import Page, Paginator, Raw, Stream, require
from collectors.errors import FatalSourceError
from collectors.netsuite.suiteql import (
    SuiteQL,
    local_of,
    local_text,
    parse_local,
    string_literal,
    to_date,
)
from collectors.state import advanced, cursor_of, incremental_start
from core.config.sources import NetSuiteSource
from core.errors import RecordError
from core.money import currency_code, to_minor
from core.store.records import CanonicalRecord

SYSTEM = "netsuite"
MODIFIED = "lastmodifieddate"
MODIFIED_LOCAL = "lastmodified_local"


def _optional(raw: Raw, column: str) -> str | None:
    # SuiteQL leaves NULL columns out of an item, so absence is a null, not drift.
    value = raw.get(column)
    return None if value in (None, "") else str(value)


class SuiteQLStream(Stream):
    """One record type read incrementally by lastmodifieddate."""

    primary_key: ClassVar[str] = "id"
    cursor_field: ClassVar[str | None] = MODIFIED

    def __init__(self, source: str, suiteql: SuiteQL, settings: NetSuiteSource) -> None:
        super().__init__(source)
        self.suiteql = suiteql
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)

    @abstractmethod
    def select(self) -> str:
        """``SELECT ... FROM table`` (dates through TO_CHAR, the modified date aliased)."""

    def filters(self) -> list[str]:
        """Conditions every read applies, besides the window."""
        return []

    @abstractmethod
    def parse(self, raw: Raw) -> CanonicalRecord:
        """One item in canonical form."""

    def prepare(self) -> None:
        """Load what parsing needs once per poll (lookup tables)."""

    def query(self, window: str | None) -> str:
        """The window's query in its stable order."""
        conditions = [*self.filters(), *([window] if window else [])]
        where = " AND ".join(f"({c})" for c in conditions)
        return f"{self.select()}{f' WHERE {where}' if where else ''} ORDER BY {MODIFIED}, id"

    def pages(self, position: dict[str, Any] | None) -> Iterator[Page]:
        """Yield every page modified since the watermark (less the look-back)."""
        self.prepare()
        current = position
        for items in self._batches(position):
            page = self.page_of(items, self.parse, None)
            current = self._advance(current, items)
            page.position = current
            yield page

    def _batches(self, position: dict[str, Any] | None) -> Iterator[Sequence[Raw]]:
        start = incremental_start(position, self.settings.lookback)
        window = None if start is None else f"{MODIFIED} >= {to_date(local_of(start, self.tz))}"
        paginator = Paginator(self.name)
        page_size, window_rows = self.settings.page_size, self.settings.window_rows
        while True:
            query = self.query(window)
            offset, last_id = 0, None
            while True:
                overlap = 0 if last_id is None else 1
                at = offset - overlap
                limit = min(page_size, window_rows - at)
                if limit <= overlap:
                    break
                paginator.advance(f"{query}|{at}")
                items, more = self.suiteql.page(query, limit=limit, offset=at)
                if overlap and (not items or items[0].get("id") != last_id):
                    break
                fresh = items[overlap:]
                if fresh:
                    yield fresh
                    last_id = fresh[-1].get("id")
                    window = self._after(fresh)
                offset += len(fresh)
                if not more:
                    return
                if not fresh:
                    raise FatalSourceError(f"{self.name}: NetSuite promised more rows, sent none")

    def _after(self, items: Sequence[Raw]) -> str:
        """The condition for rows after the last readable (lastmodifieddate, id) of ``items``."""
        for item in reversed(items):
            text, row_id = item.get(MODIFIED_LOCAL), item.get("id")
            if not (isinstance(text, str) and isinstance(row_id, str) and row_id.isdigit()):
                continue
            try:
                x = to_date(text)
            except FatalSourceError:
                continue  # a malformed row; an earlier one still marks the position
            return f"{MODIFIED} > {x} OR ({MODIFIED} = {x} AND id > {row_id})"
        raise FatalSourceError(
            f"{self.name}: a whole page lacks a readable {MODIFIED}; cannot continue past it"
        )

    def _advance(
        self, current: dict[str, Any] | None, items: Sequence[Raw]
    ) -> dict[str, Any] | None:
        for item in reversed(items):
            try:
                seen = parse_local(item.get(MODIFIED_LOCAL), self.tz)
            except RecordError:
                continue
            stored = cursor_of(current)
            # Re-read look-back rows lie behind the stored cursor; it never moves back.
            if stored is None or seen >= stored:
                return advanced(current, seen, last_id=item.get("id"))
            return current
        return current


class CustomerStream(SuiteQLStream):
    """ERP customers."""

    name: ClassVar[str] = "customers"
    object_type: ClassVar[str] = "customer"

    def select(self) -> str:
        """Customer columns."""
        return (
            "SELECT id, entityid, companyname, externalid, "
            f"{local_text('datecreated')} AS datecreated_local, "
            f"{local_text(MODIFIED)} AS {MODIFIED_LOCAL} FROM customer"
        )

    def parse(self, raw: Raw) -> CanonicalRecord:
        """A customer; its externalid is the CRM account id it mirrors."""
        return CanonicalRecord(
            system=SYSTEM,
            object_type=self.object_type,
            external_id=str(require(raw, "id")),
            account_ref=_optional(raw, "externalid"),
            name=_optional(raw, "companyname"),
            created_at=parse_local(require(raw, "datecreated_local"), self.tz),
            updated_at=parse_local(require(raw, MODIFIED_LOCAL), self.tz),
            payload=dict(raw),
        )


class InvoiceStream(SuiteQLStream):
    """ERP customer invoices (transactions of the configured type)."""

    name: ClassVar[str] = "invoices"
    object_type: ClassVar[str] = "invoice"

    def __init__(self, source: str, suiteql: SuiteQL, settings: NetSuiteSource) -> None:
        super().__init__(source, suiteql, settings)
        self.currencies: dict[str, str] = {}

    def prepare(self) -> None:
        """Map the account's internal currency ids to ISO codes."""
        rows = self.suiteql.all("SELECT id, symbol FROM currency ORDER BY id")
        self.currencies = {str(r["id"]): currency_code(r.get("symbol")) for r in rows if "id" in r}

    def select(self) -> str:
        """Invoice columns."""
        return (
            "SELECT id, tranid, externalid, entity, status, foreigntotal, currency, "
            f"{local_text('createddate')} AS createddate_local, "
            f"{local_text(MODIFIED)} AS {MODIFIED_LOCAL} FROM transaction"
        )

    def filters(self) -> list[str]:
        """Only the configured invoice type."""
        return [f"type = {string_literal(self.settings.invoice_type)}"]

    def parse(self, raw: Raw) -> CanonicalRecord:
        """An invoice: total in minor units, ISO currency, paid when its status says so."""
        currency_id = str(require(raw, "currency"))
        currency = self.currencies.get(currency_id)
        if currency is None:
            raise RecordError(f"currency id {currency_id!r} is not in the account's currencies")
        status = str(require(raw, "status"))
        updated: datetime = parse_local(require(raw, MODIFIED_LOCAL), self.tz)
        return CanonicalRecord(
            system=SYSTEM,
            object_type=self.object_type,
            external_id=str(require(raw, "id")),
            name=_optional(raw, "tranid"),
            link_ref=_optional(raw, "externalid"),
            parent_ref=str(require(raw, "entity")),
            status=status,
            amount_minor=to_minor(require(raw, "foreigntotal"), currency),
            currency=currency,
            created_at=parse_local(require(raw, "createddate_local"), self.tz),
            updated_at=updated,
            paid_at=updated if status == self.settings.paid_status else None,
            payload=dict(raw),
        )
