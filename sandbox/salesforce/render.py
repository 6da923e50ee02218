"""Salesforce's view of the world: the queryable objects, their rows at an instant, their JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sandbox.catalog import World
from sandbox.model import AmendmentQuote, CrmAccount
from sandbox.profile import TransportFaults
from sandbox.query import Value
from sandbox.salesforce.query import FieldType
from sandbox.selection import malformed
from sandbox.wire.money import major_units

SYSTEM = "salesforce"
ACCOUNT = "Account"
QUOTE = "SBQQ__Quote__c"

SCHEMAS: dict[str, dict[str, FieldType]] = {
    ACCOUNT: {
        "Id": "id",
        "Name": "string",
        "Website": "string",
        "CreatedDate": "datetime",
        "SystemModstamp": "datetime",
        "LastModifiedDate": "datetime",
        "IsDeleted": "boolean",
        "ARR__c": "number",
        "CurrencyIsoCode": "string",
        "ERP_Customer_Id__c": "string",
        "Billing_Customer_Id__c": "string",
    },
    QUOTE: {
        "Id": "id",
        "Name": "string",
        "SBQQ__Type__c": "string",
        "SBQQ__Account__c": "id",
        "SBQQ__MasterContract__c": "id",
        "SBQQ__Status__c": "string",
        "SBQQ__NetAmount__c": "number",
        "CurrencyIsoCode": "string",
        "Approved_At__c": "datetime",
        "CreatedDate": "datetime",
        "SystemModstamp": "datetime",
        "LastModifiedDate": "datetime",
        "IsDeleted": "boolean",
    },
}

# How a malformed record is broken: the first of these fields the query selects gets the junk
# value; when it selects none of them the required Id comes back null.
_BREAKABLE: dict[str, tuple[tuple[str, str], ...]] = {
    ACCOUNT: (
        ("CreatedDate", "not-a-date"),
        ("SystemModstamp", "not-a-date"),
        ("ARR__c", "n/a"),
    ),
    QUOTE: (
        ("Approved_At__c", "not-a-date"),
        ("SystemModstamp", "not-a-date"),
        ("SBQQ__NetAmount__c", "n/a"),
    ),
}


def _linked(value: str | None, linked_at: datetime | None, at: datetime) -> str | None:
    # A link id without a link time was written when the record was created.
    if value is None or (linked_at is not None and linked_at > at):
        return None
    return value


def account_row(account: CrmAccount, at: datetime) -> dict[str, Value]:
    """The Account's field values at ``at``."""
    modstamp = account.modstamp(at)
    return {
        "Id": account.id,
        "Name": account.name,
        "Website": account.website,
        "CreatedDate": account.created,
        "SystemModstamp": modstamp,
        "LastModifiedDate": modstamp,
        "IsDeleted": account.deleted(at),
        "ARR__c": major_units(account.arr_minor, account.currency),
        "CurrencyIsoCode": account.currency,
        "ERP_Customer_Id__c": _linked(account.erp_customer_id, account.erp_linked_at, at),
        "Billing_Customer_Id__c": _linked(
            account.billing_customer_id, account.billing_linked_at, at
        ),
    }


def quote_row(quote: AmendmentQuote, at: datetime) -> dict[str, Value]:
    """The amendment quote's field values at ``at``."""
    modstamp = quote.modstamp(at)
    approved = quote.approved_at if quote.approved_at and quote.approved_at <= at else None
    return {
        "Id": quote.id,
        # CPQ names quotes with an auto-number; the id's tail keeps it stable and unique enough.
        "Name": f"Q-{quote.id[-5:].upper()}",
        "SBQQ__Type__c": "Amendment",
        "SBQQ__Account__c": quote.account_id,
        "SBQQ__MasterContract__c": quote.master_contract_id,
        "SBQQ__Status__c": quote.status(at),
        "SBQQ__NetAmount__c": major_units(quote.net_amount_minor, quote.currency),
        "CurrencyIsoCode": quote.currency,
        "Approved_At__c": approved,
        "CreatedDate": quote.created,
        "SystemModstamp": modstamp,
        "LastModifiedDate": modstamp,
        "IsDeleted": False,
    }


def visible_rows(
    world: World, object_name: str, at: datetime, include_deleted: bool
) -> list[dict[str, Value]]:
    """Rows of ``object_name`` that exist at ``at``; deleted ones only for queryAll."""
    if object_name == ACCOUNT:
        rows = [account_row(a, at) for a in world.accounts if a.created <= at and not a.purged(at)]
    else:
        rows = [quote_row(q, at) for q in world.amendments if q.created <= at]
    if include_deleted:
        return rows
    return [r for r in rows if not r["IsDeleted"]]


def deleted_between(
    world: World, object_name: str, start: datetime, end: datetime
) -> list[tuple[str, datetime]]:
    """(Id, deletedDate) of the records of ``object_name`` deleted in ``[start, end]`` and
    still deleted at ``end`` (an undeleted record leaves the list)."""
    if object_name != ACCOUNT:
        return []
    return sorted(
        (a.id, a.deleted_at)
        for a in world.accounts
        if a.deleted_at is not None and start <= a.deleted_at <= end and a.deleted(end)
    )


def format_datetime(value: datetime) -> str:
    """A datetime as Salesforce writes it: ``2026-11-20T10:00:00.000+0000``."""
    utc = value.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}+0000"


def _wire(value: Value) -> object:
    return format_datetime(value) if isinstance(value, datetime) else value


class RecordRenderer:
    """Turns rows into the ``records`` array, applying schema drift and malformed records."""

    def __init__(self, seed: int, faults: TransportFaults) -> None:
        self.seed = seed
        self.faults = faults

    def render(
        self,
        object_name: str,
        fields: Sequence[str],
        rows: Sequence[dict[str, Value]],
        version: str,
    ) -> list[dict[str, object]]:
        """The JSON records for ``rows`` with the selected ``fields``."""
        renamed = self.faults.renamed_fields
        names = [renamed.get(f, f) for f in fields]
        breakable = _BREAKABLE[object_name]
        broken = next((pair for pair in breakable if pair[0] in fields), ("Id", None))
        broken_key = renamed.get(broken[0], broken[0])
        records: list[dict[str, object]] = []
        for row in rows:
            record_id = str(row["Id"])
            record: dict[str, object] = {
                "attributes": {
                    "type": object_name,
                    "url": f"/services/data/{version}/sobjects/{object_name}/{record_id}",
                }
            }
            for name, field in zip(names, fields, strict=True):
                record[name] = _wire(row[field])
            if malformed(self.seed, self.faults.malformed, SYSTEM, object_name, record_id):
                record[broken_key] = broken[1]
            records.append(record)
        return records
