"""Salesforce streams: one SOQL queryAll per poll, followed through ``nextRecordsUrl``.

Records purged from the recycle bin leave queryAll; Get Deleted names them for 15 days, and a
daily ids-only reconciliation catches whatever fell outside that reach.

Incremental reads start at ``SystemModstamp >= watermark - lookback`` (inclusive, ordered by
SystemModstamp then Id). queryAll snapshots the result when the query runs, so its pages never
shift under us; records re-read from the look-back are no-ops in the idempotent store.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from collectors.base import (
    Page,
    PagedStream,
    Paginator,
    Position,
    Raw,
    Stream,
    expect_present,
    require,
)
from collectors.errors import FatalSourceError
from collectors.http import SourceClient
from collectors.reconcile import KeyReconciliation
from collectors.salesforce.auth import SalesforceAuth
from collectors.salesforce.fields import (
    optional_datetime,
    parse_datetime,
    soql_datetime,
    soql_string,
    website_domain,
)
from collectors.state import advanced, incremental_start
from core.clock import Clock
from core.config.sources import SalesforceSource
from core.errors import RecordError
from core.money import currency_code, to_minor
from core.store.deletions import Deletion
from core.store.records import CanonicalRecord

SYSTEM = "salesforce"


def _flag(raw: Raw, field_name: str) -> bool:
    value = require(raw, field_name)
    if not isinstance(value, bool):
        raise RecordError(f"field {field_name!r} is {value!r}, not a boolean")
    return value


def _text(raw: Raw, field_name: str) -> str | None:
    value = expect_present(raw, field_name)
    return None if value is None else str(value)


def _amount(raw: Raw, field_name: str, currency: str) -> int | None:
    value = expect_present(raw, field_name)
    return None if value is None else to_minor(value, currency)


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """One queryAll request: the query itself (``soql``) or a ``nextRecordsUrl`` after it."""

    url: str
    soql: str | None = None


class NextRecordsPaginator(Paginator[QueryRequest, dict[str, Any]]):
    """Follows ``nextRecordsUrl`` (on the org's instance host) until a batch has none."""

    def __init__(self, stream: str, start: QueryRequest, instance: str) -> None:
        super().__init__(stream, start)
        self.instance = instance

    def has_more(self, response: dict[str, Any]) -> bool:
        """A batch names the next one until the query is done."""
        return response.get("nextRecordsUrl") is not None

    def next_value(self, response: dict[str, Any]) -> QueryRequest:
        """The next batch's URL."""
        return QueryRequest(f"{self.instance}{response['nextRecordsUrl']}")

    def key(self, value: QueryRequest) -> str | None:
        """The locator path (the query's own URL carries none)."""
        return None if value.soql is not None else value.url.removeprefix(self.instance)


@dataclass(frozen=True, slots=True)
class SoqlLayout:
    """What one stream queries: the object, its fields, the order keys and fixed filters."""

    sobject: str
    fields: tuple[str, ...]
    id_field: str
    modstamp_field: str
    filters: tuple[str, ...] = ()


class SoqlStream(PagedStream[QueryRequest, dict[str, Any]]):
    """One sObject read incrementally by SystemModstamp through queryAll."""

    # Salesforce's record key is always Id; quarantined records are named by it.
    primary_key: ClassVar[str] = "Id"
    cursor_field: ClassVar[str | None] = "SystemModstamp"

    def __init__(
        self,
        source: str,
        client: SourceClient,
        auth: SalesforceAuth,
        settings: SalesforceSource,
        batch_size: int,
    ) -> None:
        super().__init__(source)
        self.client = client
        self.auth = auth
        self.settings = settings
        self.batch_size = batch_size

    @abstractmethod
    def layout(self) -> SoqlLayout:
        """The object and fields this stream reads (names from the settings)."""

    @abstractmethod
    def parse(self, raw: Raw) -> CanonicalRecord:
        """One record in canonical form."""

    def soql(self, start: datetime | None) -> str:
        """The query reading every record modified at or after ``start`` (None: all)."""
        layout = self.layout()
        conditions = list(layout.filters)
        if start is not None:
            conditions.append(f"{layout.modstamp_field} >= {soql_datetime(start)}")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return (
            f"SELECT {', '.join(layout.fields)} FROM {layout.sobject}{where} "
            f"ORDER BY {layout.modstamp_field}, {layout.id_field}"
        )

    def paginator(self, position: Position | None) -> NextRecordsPaginator:
        """The query from the watermark less the look-back, then its batches."""
        instance = self.auth.instance_url()
        url = f"{instance}/services/data/v{self.settings.api_version}/queryAll"
        start = incremental_start(position, self.settings.lookback)
        return NextRecordsPaginator(self.name, QueryRequest(url, self.soql(start)), instance)

    def request(self, value: QueryRequest) -> dict[str, Any]:
        """One batch of the query."""
        params = {"q": value.soql} if value.soql is not None else None
        headers = {"Sforce-Query-Options": f"batchSize={self.batch_size}"}
        body = self.client.get(value.url, params=params, headers=headers).json()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise FatalSourceError(
                f"Salesforce answered the {self.name} query without a records list"
            )
        return body

    def parse_response(self, response: dict[str, Any], position: Position | None) -> Page:
        """The batch's records with the latest SystemModstamp seen so far."""
        page = self.page_of(response["records"], self.parse, None)
        seen = max((r.updated_at for r in page.records if r.updated_at), default=None)
        page.position = advanced(position, seen)
        return page


class AccountStream(SoqlStream):
    """CRM accounts, deleted ones included."""

    name: ClassVar[str] = "accounts"
    object_type: ClassVar[str] = "account"

    def layout(self) -> SoqlLayout:
        """Every Account field the store keeps."""
        f = self.settings.account
        fields = (f.id, f.name, f.website, f.created, f.modstamp, f.deleted, f.arr, f.currency)
        return SoqlLayout(
            sobject=f.object,
            fields=(*fields, f.erp_customer_id, f.billing_customer_id),
            id_field=f.id,
            modstamp_field=f.modstamp,
        )

    def parse(self, raw: Raw) -> CanonicalRecord:
        """An Account: ARR in minor units, website reduced to its domain."""
        f = self.settings.account
        record_id = str(require(raw, f.id))
        currency = currency_code(require(raw, f.currency))
        return CanonicalRecord(
            system=SYSTEM,
            object_type=self.object_type,
            external_id=record_id,
            account_ref=record_id,
            name=_text(raw, f.name),
            domain=website_domain(expect_present(raw, f.website)),
            amount_minor=_amount(raw, f.arr, currency),
            currency=currency,
            created_at=parse_datetime(require(raw, f.created)),
            updated_at=parse_datetime(require(raw, f.modstamp)),
            is_deleted=_flag(raw, f.deleted),
            payload=dict(raw),
        )


class AmendmentStream(SoqlStream):
    """CPQ quotes of the amendment type."""

    name: ClassVar[str] = "amendments"
    object_type: ClassVar[str] = "amendment"

    def layout(self) -> SoqlLayout:
        """Every quote field the store keeps, amendment quotes only."""
        f = self.settings.amendment
        return SoqlLayout(
            sobject=f.object,
            fields=(
                f.id,
                f.type,
                f.account,
                f.master_contract,
                f.status,
                f.net_amount,
                f.currency,
                f.approved_at,
                f.created,
                f.modstamp,
                f.deleted,
            ),
            id_field=f.id,
            modstamp_field=f.modstamp,
            filters=(f"{f.type} = {soql_string(f.type_value)}",),
        )

    def parse(self, raw: Raw) -> CanonicalRecord:
        """An amendment quote: net amount in minor units, approval time when approved."""
        f = self.settings.amendment
        currency = currency_code(require(raw, f.currency))
        return CanonicalRecord(
            system=SYSTEM,
            object_type=self.object_type,
            external_id=str(require(raw, f.id)),
            account_ref=_text(raw, f.account),
            parent_ref=_text(raw, f.master_contract),
            status=_text(raw, f.status),
            amount_minor=_amount(raw, f.net_amount, currency),
            currency=currency,
            created_at=parse_datetime(require(raw, f.created)),
            updated_at=parse_datetime(require(raw, f.modstamp)),
            approved_at=optional_datetime(expect_present(raw, f.approved_at)),
            is_deleted=_flag(raw, f.deleted),
            payload=dict(raw),
        )


DELETE_LOG_REACH = timedelta(days=15)
"""How far back Get Deleted answers; a collector stopped longer relies on the reconciliation."""
_REACH_MARGIN = timedelta(minutes=5)


class GetDeletedStream(Stream):
    """One sObject's deletions from the delete log (sObject Get Deleted).

    queryAll shows a deleted record while it sits in the recycle bin; once purged only the
    delete log names it. Each poll asks for ``[latestDateCovered - lookback, now]``, never
    further back than the log reaches, and resumes from the ``latestDateCovered`` it answers.
    """

    primary_key: ClassVar[str] = "id"
    cursor_field: ClassVar[str | None] = "deletedDate"
    records: ClassVar[type[SoqlStream]]

    def __init__(
        self,
        source: str,
        client: SourceClient,
        auth: SalesforceAuth,
        settings: SalesforceSource,
        batch_size: int,
        clock: Clock,
    ) -> None:
        super().__init__(source)
        self.client = client
        self.auth = auth
        self.settings = settings
        self.clock = clock
        self.stream = self.records(source, client, auth, settings, batch_size)

    def pages(self, position: Position | None) -> Iterator[Page]:
        """One page: the deletions of the window, positioned at its ``latestDateCovered``."""
        now = self.clock.now()
        start = incremental_start(position, self.settings.lookback)
        reach = now - DELETE_LOG_REACH + _REACH_MARGIN
        start = reach if start is None or start < reach else start
        sobject = self.stream.layout().sobject
        url = (
            f"{self.auth.instance_url()}/services/data/v{self.settings.api_version}"
            f"/sobjects/{sobject}/deleted/"
        )
        body = self.client.get(
            url, params={"start": start.isoformat(), "end": now.isoformat()}
        ).json()
        deleted = body.get("deletedRecords") if isinstance(body, dict) else None
        if not isinstance(deleted, list):
            raise FatalSourceError(f"Salesforce answered Get Deleted of {sobject} without a list")
        covered = parse_datetime(body.get("latestDateCovered"))

        def parse(raw: Raw) -> Deletion:
            return Deletion(SYSTEM, self.object_type, str(require(raw, "id")))

        yield self.page_of(deleted, parse, advanced(position, covered))


class SoqlKeys(KeyReconciliation):
    """Every live (not deleted) id of one sObject, for the daily reconciliation."""

    system: ClassVar[str] = SYSTEM
    records: ClassVar[type[SoqlStream]]

    def __init__(
        self,
        source: str,
        client: SourceClient,
        auth: SalesforceAuth,
        settings: SalesforceSource,
        batch_size: int,
        clock: Clock,
    ) -> None:
        super().__init__(source, clock)
        self.auth = auth
        self.settings = settings
        self.stream = self.records(source, client, auth, settings, batch_size)

    def ids(self) -> Iterator[list[str]]:
        """The ids through ``query`` (which leaves deleted records out), batch by batch."""
        layout = self.stream.layout()
        where = f" WHERE {' AND '.join(layout.filters)}" if layout.filters else ""
        soql = f"SELECT {layout.id_field} FROM {layout.sobject}{where} ORDER BY {layout.id_field}"
        instance = self.auth.instance_url()
        url = f"{instance}/services/data/v{self.settings.api_version}/query"
        paginator = NextRecordsPaginator(self.name, QueryRequest(url, soql), instance)
        for body in paginator.responses(self.stream.request):
            records = body["records"]
            yield [str(r[layout.id_field]) for r in records if r.get(layout.id_field)]


class AccountDeletions(GetDeletedStream):
    """Deleted accounts, recycle bin and purged alike."""

    name: ClassVar[str] = "accounts_deleted"
    object_type: ClassVar[str] = "account"
    records: ClassVar[type[SoqlStream]] = AccountStream


class AmendmentDeletions(GetDeletedStream):
    """Deleted amendment quotes."""

    name: ClassVar[str] = "amendments_deleted"
    object_type: ClassVar[str] = "amendment"
    records: ClassVar[type[SoqlStream]] = AmendmentStream


class AccountKeys(SoqlKeys):
    """Live account ids."""

    name: ClassVar[str] = "account_keys"
    object_type: ClassVar[str] = "account"
    records: ClassVar[type[SoqlStream]] = AccountStream


class AmendmentKeys(SoqlKeys):
    """Live amendment quote ids."""

    name: ClassVar[str] = "amendment_keys"
    object_type: ClassVar[str] = "amendment"
    records: ClassVar[type[SoqlStream]] = AmendmentStream
