"""NetSuite streams: SuiteQL read by lastmodifieddate in keyset windows, paged by offset.

How the windows are cut and followed is in ``collectors.netsuite.windows``. NetSuite stamps
``lastmodifieddate`` when a change starts, and a long import or scheduled script can commit it
hours later, behind a watermark an earlier poll already set: so once per ``reread_every`` a poll
reads from ``reread_window`` behind the watermark instead of the short look-back. Deletions
come from the deletion log (the ``DeletedRecord`` table, read the same way by ``deleteddate``);
a daily ids-only reconciliation catches what the log no longer holds.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from collectors.base import Page, PagedStream, Paginator, Position, Raw, require
from collectors.errors import FatalSourceError
from collectors.netsuite.suiteql import (
    Rows,
    SuiteQL,
    local_of,
    local_text,
    parse_local,
    string_literal,
    to_date,
)
from collectors.netsuite.windows import (
    MODIFIED,
    MODIFIED_LOCAL,
    WindowPage,
    WindowPaginator,
    WindowResponse,
)
from collectors.reconcile import KeyReconciliation
from collectors.state import advanced, cursor_of
from core.clock import Clock
from core.config.sources import NetSuiteSource
from core.errors import RecordError
from core.money import currency_code, to_minor
from core.store.deletions import Deletion
from core.store.records import CanonicalRecord

SYSTEM = "netsuite"
REREAD = "reread_at"


def _optional(raw: Raw, column: str) -> str | None:
    # SuiteQL leaves NULL columns out of an item, so absence is a null, not drift.
    value = raw.get(column)
    return None if value in (None, "") else str(value)


class SuiteQLStream(PagedStream[WindowPage, WindowResponse]):
    """One record type read incrementally by a date column (lastmodifieddate) and its key.

    The select aliases the date as ``MODIFIED_LOCAL`` text and the key as ``id``.
    """

    primary_key: ClassVar[str] = "id"
    cursor_field: ClassVar[str | None] = MODIFIED
    key_column: ClassVar[str] = "id"

    def __init__(
        self, source: str, suiteql: SuiteQL, settings: NetSuiteSource, clock: Clock
    ) -> None:
        super().__init__(source)
        self.suiteql = suiteql
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)

    @abstractmethod
    def select(self) -> str:
        """``SELECT ... FROM table`` (dates through TO_CHAR, the modified date aliased)."""

    def filters(self) -> list[str]:
        """Conditions every read applies, besides the window."""
        return []

    @abstractmethod
    def parse(self, raw: Raw) -> CanonicalRecord | Deletion:
        """One item in canonical form."""

    def query(self, window: str | None) -> str:
        """The window's query in its stable order."""
        conditions = [*self.filters(), *([window] if window else [])]
        where = " AND ".join(f"({c})" for c in conditions)
        order = f"{self.cursor_field}, {self.key_column}"
        return f"{self.select()}{f' WHERE {where}' if where else ''} ORDER BY {order}"

    def pages(self, position: Position | None) -> Iterator[Page]:
        """The windows' pages; a read that covered the re-read window records when it began."""
        began = self.clock.now()
        rereading = self._rereads(position, began)
        for page in super().pages(position):
            position = page.position
            yield page
        if rereading:
            yield self.new_page(advanced(position, None, **{REREAD: began.isoformat()}))

    def _rereads(self, position: Position | None, now: datetime) -> bool:
        """Whether this poll reads the whole re-read window (a first read covers everything)."""
        last = cursor_of(position, REREAD)
        return last is None or now - last >= self.settings.reread_every

    def paginator(self, position: Position | None) -> WindowPaginator:
        """Windows from the watermark less the look-back, or less the re-read window when one
        is due (everything at first)."""
        column = self.cursor_field or MODIFIED
        cursor = cursor_of(position)
        behind = (
            self.settings.reread_window
            if self._rereads(position, self.clock.now())
            else self.settings.lookback
        )
        start = None if cursor is None else cursor - max(behind, self.settings.lookback)
        condition = None if start is None else f"{column} >= {to_date(local_of(start, self.tz))}"
        return WindowPaginator(
            self.name,
            condition,
            page_size=self.settings.page_size,
            window_rows=self.settings.window_rows,
            column=column,
            key=self.key_column,
        )

    def request(self, value: WindowPage) -> WindowResponse:
        """One page of a window, its re-read row checked and dropped."""
        items, more = self.suiteql.page(
            self.query(value.condition), limit=value.limit, offset=value.offset
        )
        overlap = 0 if value.overlap_id is None else 1
        if overlap and (not items or items[0].get("id") != value.overlap_id):
            return WindowResponse([], more, shifted=True)
        return WindowResponse(items[overlap:], more, shifted=False)

    def parse_response(self, response: WindowResponse, position: Position | None) -> Page | None:
        """The page's new rows, with the latest modification read; None when it had none."""
        if not response.fresh:
            return None
        page = self.page_of(response.fresh, self.parse, None)
        page.position = self._advance(position, response.fresh)
        return page

    def _advance(self, current: Position | None, items: Sequence[Raw]) -> Position | None:
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

    def __init__(
        self, source: str, suiteql: SuiteQL, settings: NetSuiteSource, clock: Clock
    ) -> None:
        super().__init__(source, suiteql, settings, clock)
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


class DeletionStream(SuiteQLStream):
    """One record type's deletions from the deletion log, read by ``deleteddate``.

    A deleted record keeps its last collected state and is marked deleted; a deletion of a
    record never collected changes nothing.
    """

    cursor_field: ClassVar[str | None] = "deleteddate"
    key_column: ClassVar[str] = "recordid"
    record_type: ClassVar[str]

    def select(self) -> str:
        """The deletion log's columns, keyed and dated as every stream's are."""
        return (
            f"SELECT recordid AS id, type, {local_text('deleteddate')} AS {MODIFIED_LOCAL} "
            "FROM deletedrecord"
        )

    def filters(self) -> list[str]:
        """This stream's record type only."""
        return [f"type = {string_literal(self.record_type)}"]

    def parse(self, raw: Raw) -> Deletion:
        """A deletion of one record of this stream's type."""
        return Deletion(SYSTEM, self.object_type, str(require(raw, "id")))


class CustomerDeletionStream(DeletionStream):
    """Deleted ERP customers."""

    name: ClassVar[str] = "customer_deletions"
    object_type: ClassVar[str] = "customer"
    record_type: ClassVar[str] = "customer"


class InvoiceDeletionStream(DeletionStream):
    """Deleted ERP invoices."""

    name: ClassVar[str] = "invoice_deletions"
    object_type: ClassVar[str] = "invoice"
    record_type: ClassVar[str] = "invoice"


class KeysetPaginator(Paginator[int, Rows]):
    """Pages ids by keyset (``id > last``), so no listing meets the 100,000-result ceiling."""

    def has_more(self, response: Rows) -> bool:
        """More follows while NetSuite says so."""
        items, more = response
        return more and bool(items)

    def next_value(self, response: Rows) -> int:
        """The last id read (a malformed item without one marks no position)."""
        ids = _ids(response[0])
        if not ids:
            raise FatalSourceError(f"{self.stream}: a whole page of ids lacks a readable id")
        return int(ids[-1])


class SuiteQLKeys(KeyReconciliation):
    """Every current id of one record type, for the daily reconciliation."""

    system: ClassVar[str] = SYSTEM
    table: ClassVar[str]

    def __init__(
        self, source: str, suiteql: SuiteQL, settings: NetSuiteSource, clock: Clock
    ) -> None:
        super().__init__(source, clock)
        self.suiteql = suiteql
        self.settings = settings

    def filters(self) -> list[str]:
        """Conditions naming this record type within its table."""
        return []

    def ids(self) -> Iterator[list[str]]:
        """The ids, ``page_size`` at a time in id order."""

        def request(after: int) -> Rows:
            conditions = " AND ".join([*self.filters(), f"id > {after}"])
            query = f"SELECT id FROM {self.table} WHERE {conditions} ORDER BY id"
            return self.suiteql.page(query, limit=self.settings.page_size, offset=0)

        for items, _ in KeysetPaginator(self.name, 0).responses(request):
            yield _ids(items)


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item["id"]) for item in items if str(item.get("id", "")).isdigit()]


class CustomerKeys(SuiteQLKeys):
    """Current ERP customer ids."""

    name: ClassVar[str] = "customer_keys"
    object_type: ClassVar[str] = "customer"
    table: ClassVar[str] = "customer"


class InvoiceKeys(SuiteQLKeys):
    """Current ERP invoice ids."""

    name: ClassVar[str] = "invoice_keys"
    object_type: ClassVar[str] = "invoice"
    table: ClassVar[str] = "transaction"

    def filters(self) -> list[str]:
        """Only the configured invoice type."""
        return [f"type = {string_literal(self.settings.invoice_type)}"]
