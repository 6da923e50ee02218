"""NetSuite's view of the world: SuiteQL tables, their rows at an instant, and result items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sandbox.catalog import World
from sandbox.model import ErpCustomer, ErpInvoice
from sandbox.netsuite.query import ColumnType, SelectItem
from sandbox.profile import TransportFaults
from sandbox.query import Row, Value
from sandbox.selection import malformed
from sandbox.wire.money import decimal_string

SYSTEM = "netsuite"
CUSTOMER = "customer"
TRANSACTION = "transaction"
CURRENCY = "currency"
DELETED_RECORD = "deletedrecord"

TABLES: dict[str, dict[str, ColumnType]] = {
    CUSTOMER: {
        "id": "number",
        "entityid": "string",
        "companyname": "string",
        "externalid": "string",
        "datecreated": "datetime",
        "lastmodifieddate": "datetime",
        "isinactive": "string",
    },
    TRANSACTION: {
        "id": "number",
        "tranid": "string",
        "type": "string",
        "status": "string",
        "entity": "number",
        "foreigntotal": "decimal",
        "currency": "number",
        "externalid": "string",
        "createddate": "datetime",
        "lastmodifieddate": "datetime",
        "trandate": "date",
    },
    CURRENCY: {"id": "number", "symbol": "string", "name": "string"},
    # The deletion log (the Deleted Record search as a SuiteQL table): one row per deletion.
    DELETED_RECORD: {
        "recordid": "number",
        "type": "string",
        "name": "string",
        "deleteddate": "datetime",
        "context": "string",
        "iscustomrecord": "string",
    },
}

# Internal ids of a fresh account's currency records; others get the next ids in code order.
_BASE_CURRENCIES = ("USD", "GBP", "CAD", "EUR", "JPY", "AUD", "CHF", "SEK", "NZD", "SGD")
_CURRENCY_NAMES = {
    "USD": "US Dollar",
    "GBP": "British pound",
    "CAD": "Canadian Dollar",
    "EUR": "Euro",
    "JPY": "Japanese Yen",
    "AUD": "Australian Dollar",
    "CHF": "Swiss Franc",
    "SEK": "Swedish Krona",
    "NZD": "New Zealand Dollar",
    "SGD": "Singapore Dollar",
}

# The object name each table's records are chosen under for malformation (as in the manifest).
MALFORMED_KEYS = {CUSTOMER: "customer", TRANSACTION: "invoice"}

# How a malformed record is broken: the first of these columns the query selects (plainly or
# through TO_CHAR) gets the junk value; when it selects none of them the id is left out.
_BREAKABLE: dict[str, tuple[tuple[str, str], ...]] = {
    CUSTOMER: (("datecreated", "not-a-date"), ("lastmodifieddate", "not-a-date")),
    TRANSACTION: (
        ("createddate", "not-a-date"),
        ("lastmodifieddate", "not-a-date"),
        ("foreigntotal", "not-a-number"),
    ),
    CURRENCY: (),
    DELETED_RECORD: (),
}


def currency_ids(world: World) -> dict[str, int]:
    """ISO code -> internal id of every currency record the account holds."""
    ids = {code: i for i, code in enumerate(_BASE_CURRENCIES, start=1)}
    for code in sorted({inv.currency.upper() for inv in world.erp_invoices} - ids.keys()):
        ids[code] = len(ids) + 1
    return ids


def table_rows(world: World, table: str, at: datetime, tz: ZoneInfo) -> list[dict[str, Value]]:
    """The rows of ``table`` that exist at ``at`` (deleted records only in the deletion log)."""
    if table == DELETED_RECORD:
        return deletion_log(world, at)
    if table == CUSTOMER:
        return [
            {
                "id": int(c.id),
                "entityid": c.entityid,
                "companyname": c.companyname,
                "externalid": c.link(at),
                "datecreated": c.created,
                "lastmodifieddate": c.lastmodified(at),
                "isinactive": "F",
            }
            for c in world.erp_customers
            if c.created <= at and not c.deleted(at)
        ]
    currencies = currency_ids(world)
    if table == CURRENCY:
        return [
            {"id": i, "symbol": code, "name": _CURRENCY_NAMES.get(code, code)}
            for code, i in currencies.items()
        ]
    rows: list[dict[str, Value]] = []
    for inv in world.erp_invoices:
        if not inv.visible(at):
            continue
        local_day = inv.created.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        rows.append(
            {
                "id": int(inv.id),
                "tranid": inv.tranid,
                "type": "CustInvc",
                "status": inv.status(at),
                "entity": int(inv.entity),
                "foreigntotal": Decimal(decimal_string(inv.total(at), inv.currency)),
                "currency": currencies[inv.currency.upper()],
                "externalid": inv.link(at),
                "createddate": inv.created,
                "lastmodifieddate": inv.lastmodified(at),
                "trandate": local_day,
            }
        )
    return rows


def deletion_log(world: World, at: datetime) -> list[dict[str, Value]]:
    """The deletion log at ``at``: customers and invoices deleted by then."""
    rows: list[dict[str, Value]] = []
    deleted: list[tuple[str, ErpCustomer | ErpInvoice, str]] = [
        *(("customer", c, c.companyname) for c in world.erp_customers),
        *(("invoice", i, i.tranid) for i in world.erp_invoices),
    ]
    for record_type, record, name in deleted:
        if record.deleted_at is not None and record.deleted_at <= at:
            rows.append(
                {
                    "recordid": int(record.id),
                    "type": record_type,
                    "name": name,
                    "deleteddate": record.deleted_at,
                    "context": "UI",
                    "iscustomrecord": "F",
                }
            )
    return rows


def default_format(value: Value, column_type: ColumnType, tz: ZoneInfo) -> str:
    """A value as SuiteQL renders it without TO_CHAR (dates in the account's default format)."""
    if isinstance(value, datetime):
        local = value.astimezone(tz)
        day = f"{local.month}/{local.day}/{local.year}"
        if column_type == "date":
            return day
        hour = local.hour % 12 or 12
        return f"{day} {hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    return str(value)


class ItemRenderer:
    """Turns rows into result items: string values, lowercase keys, NULL columns left out."""

    def __init__(self, seed: int, faults: TransportFaults, tz: ZoneInfo) -> None:
        self.seed = seed
        self.faults = faults
        self.tz = tz

    def render(
        self, table: str, items: Sequence[SelectItem], rows: Sequence[Row]
    ) -> list[dict[str, object]]:
        """The ``items`` array for ``rows``."""
        types = TABLES[table]
        renamed = {old.lower(): new.lower() for old, new in self.faults.renamed_fields.items()}
        selected = {item.column for item in items}
        broken = next((pair for pair in _BREAKABLE[table] if pair[0] in selected), ("id", None))
        result: list[dict[str, object]] = []
        for row in rows:
            item_out: dict[str, object] = {"links": []}
            is_broken = table in MALFORMED_KEYS and malformed(
                self.seed, self.faults.malformed, SYSTEM, MALFORMED_KEYS[table], str(row["id"])
            )
            for item in items:
                value = row[item.column]
                if is_broken and item.column == broken[0]:
                    text: str | None = broken[1]
                elif value is None:
                    text = None
                elif item.pattern is not None and isinstance(value, datetime):
                    text = value.astimezone(self.tz).strftime(item.pattern)
                else:
                    text = default_format(value, types[item.column], self.tz)
                if text is not None:
                    item_out[renamed.get(item.key, item.key)] = text
            result.append(item_out)
        return result
