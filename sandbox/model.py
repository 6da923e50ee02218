"""The simulated company's entities, independent of any wire format.

Every entity carries the instants at which its state changes, so its state at any
simulated time ``at`` is a pure function of ``at``: a record is visible once it exists
(``created <= at``), a status applies once its transition time has passed, and the
"last modified" stamp is the latest change at or before ``at``. The simulators render
these entities in each vendor's wire format; the manifest reads the same entities to
state the ground truth. All datetimes are timezone-aware UTC, truncated to the precision
of the system that owns the record (Salesforce: milliseconds, every other system: seconds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

FlowName = Literal[
    "account_crm_to_erp",
    "account_crm_to_billing",
    "amendment_crm_to_billing",
    "invoice_billing_to_erp",
    "payment_billing_to_erp",
]
LogStatus = Literal["success", "failed", "retrying", "dead_letter"]
Links = tuple[tuple[datetime, str | None], ...]
"""Later values of a link key as (instant, value) pairs, oldest first."""


def latest_at_or_before(at: datetime, *instants: datetime | None) -> datetime | None:
    """Return the latest of ``instants`` that is not after ``at`` (None if there is none)."""
    past = [i for i in instants if i is not None and i <= at]
    return max(past) if past else None


def touched_at(at: datetime, created: datetime, changes: Iterable[datetime | None]) -> datetime:
    """The last-modified stamp of a record at ``at``: its latest change not after ``at``."""
    return latest_at_or_before(at, created, *changes) or created


def value_at(at: datetime, first: str | None, changes: Links) -> str | None:
    """``first``, or the value of the latest of ``changes`` (instant, value) made by ``at``."""
    current = first
    for instant, value in changes:
        if instant <= at:
            current = value
    return current


@dataclass(frozen=True, slots=True)
class CrmAccount:
    """A Salesforce Account. Link fields become visible when the middleware writes them.

    A deleted account sits in the recycle bin (queryAll shows it with IsDeleted) until
    ``purged_at``, when it is physically deleted and only the delete log still names it, or
    until ``restored_at``, when it is undeleted from the bin.
    """

    id: str
    name: str
    website: str | None
    created: datetime
    arr_minor: int
    currency: str
    erp_customer_id: str | None = None
    erp_linked_at: datetime | None = None
    billing_customer_id: str | None = None
    billing_linked_at: datetime | None = None
    deleted_at: datetime | None = None
    edits: tuple[datetime, ...] = ()
    purged_at: datetime | None = None
    restored_at: datetime | None = None

    def purged(self, at: datetime) -> bool:
        """Whether the record is physically deleted (gone from queryAll) at ``at``."""
        return self.purged_at is not None and self.purged_at <= at

    def deleted(self, at: datetime) -> bool:
        """Whether the record is deleted (and not restored) at ``at``."""
        restored = self.restored_at is not None and self.restored_at <= at
        return self.deleted_at is not None and self.deleted_at <= at and not restored

    def modstamp(self, at: datetime) -> datetime:
        """SystemModstamp at ``at``."""
        changes = (
            self.erp_linked_at, self.billing_linked_at, self.deleted_at, self.restored_at,
            *self.edits,
        )  # fmt: skip
        return touched_at(at, self.created, changes)


@dataclass(frozen=True, slots=True)
class AmendmentQuote:
    """A CPQ quote of type Amendment; it becomes 'Approved' at ``approved_at``."""

    id: str
    account_id: str
    master_contract_id: str
    net_amount_minor: int
    currency: str
    created: datetime
    approved_at: datetime | None
    edits: tuple[datetime, ...] = ()

    def status(self, at: datetime) -> str:
        """SBQQ__Status__c at ``at``."""
        return "Approved" if self.approved_at is not None and self.approved_at <= at else "Draft"

    def modstamp(self, at: datetime) -> datetime:
        """SystemModstamp at ``at``."""
        return touched_at(at, self.created, (self.approved_at, *self.edits))


@dataclass(frozen=True, slots=True)
class BillingCustomer:
    """A Stripe customer; ``crm_account_id`` is its ``metadata.crm_account_id`` (None: absent).

    A customer deleted at ``deleted_at`` leaves the list and answers as a deleted stub.
    """

    id: str
    name: str
    email: str | None
    crm_account_id: str | None
    created: datetime
    deleted_at: datetime | None = None

    def deleted(self, at: datetime) -> bool:
        """Whether the customer is deleted at ``at``."""
        return self.deleted_at is not None and self.deleted_at <= at


@dataclass(frozen=True, slots=True)
class AppliedAmendment:
    """An amendment the middleware applied to a subscription (a subscription change)."""

    event_id: str
    amendment_id: str
    applied_at: datetime
    new_amount_minor: int


@dataclass(frozen=True, slots=True)
class BillingSubscription:
    """A Stripe subscription and the amendments applied to it over time."""

    id: str
    customer_id: str
    created: datetime
    amount_minor: int
    currency: str
    interval: Literal["month", "year"]
    canceled_at: datetime | None = None
    amendments: tuple[AppliedAmendment, ...] = ()

    def latest_amendment(self, at: datetime) -> AppliedAmendment | None:
        """The last amendment applied at or before ``at`` (its id is in the metadata)."""
        applied = [a for a in self.amendments if a.applied_at <= at]
        return max(applied, key=lambda a: a.applied_at) if applied else None


@dataclass(frozen=True, slots=True)
class BillingInvoice:
    """A Stripe invoice with its status transitions."""

    id: str
    number: str
    customer_id: str
    subscription_id: str | None
    total_minor: int
    currency: str
    created: datetime
    finalized_at: datetime | None
    paid_at: datetime | None = None
    voided_at: datetime | None = None

    def status(self, at: datetime) -> str:
        """Stripe's ``status`` at ``at``: draft, open, paid or void."""
        if self.voided_at is not None and self.voided_at <= at:
            return "void"
        if self.paid_at is not None and self.paid_at <= at:
            return "paid"
        if self.finalized_at is not None and self.finalized_at <= at:
            return "open"
        return "draft"


@dataclass(frozen=True, slots=True)
class StripeEvent:
    """A Stripe event; ``object_id`` names the object rendered as of ``created`` in data.object."""

    id: str
    type: str
    created: datetime
    object_kind: Literal["customer", "subscription", "invoice"]
    object_id: str


@dataclass(frozen=True, slots=True)
class ErpCustomer:
    """A NetSuite customer; ``externalid`` is the Salesforce Account Id it mirrors (or None).

    ``relinks`` are later edits of the external id (a link fixed or re-pointed). A record
    deleted at ``deleted_at`` leaves its table for the deletion log.
    """

    id: str
    entityid: str
    companyname: str
    externalid: str | None
    created: datetime
    edits: tuple[datetime, ...] = ()
    deleted_at: datetime | None = None
    relinks: Links = ()

    def deleted(self, at: datetime) -> bool:
        """Whether the record is deleted at ``at``."""
        return self.deleted_at is not None and self.deleted_at <= at

    def link(self, at: datetime) -> str | None:
        """The external id at ``at``."""
        return value_at(at, self.externalid, self.relinks)

    def lastmodified(self, at: datetime) -> datetime:
        """lastmodifieddate at ``at``."""
        return touched_at(at, self.created, (*self.edits, *(i for i, _ in self.relinks)))


@dataclass(frozen=True, slots=True)
class ErpInvoice:
    """A NetSuite CustInvc transaction; status 'A' (open) until ``paid_at``, then 'B'.

    ``corrections`` are (instant, total) edits of the total, oldest first: someone fixed the
    amount in the ERP; ``relinks`` edits of the external id. A record deleted at ``deleted_at``
    leaves its table for the deletion log. A record ``committed_at`` after its ``created``
    stamp (a long transaction) is invisible until then, though stamped earlier.
    """

    id: str
    tranid: str
    externalid: str
    entity: str
    total_minor: int
    currency: str
    created: datetime
    paid_at: datetime | None = None
    corrections: tuple[tuple[datetime, int], ...] = ()
    deleted_at: datetime | None = None
    relinks: Links = ()
    committed_at: datetime | None = None

    def deleted(self, at: datetime) -> bool:
        """Whether the record is deleted at ``at``."""
        return self.deleted_at is not None and self.deleted_at <= at

    def visible(self, at: datetime) -> bool:
        """Whether the record is in its table at ``at``: committed and not deleted."""
        committed = self.committed_at or self.created
        return committed <= at and not self.deleted(at)

    def link(self, at: datetime) -> str:
        """The external id (the Stripe invoice id) at ``at``."""
        return value_at(at, self.externalid, self.relinks) or self.externalid

    def status(self, at: datetime) -> str:
        """NetSuite status code at ``at``."""
        return "B" if self.paid_at is not None and self.paid_at <= at else "A"

    def total(self, at: datetime) -> int:
        """The total at ``at``: the latest correction made by then, else the posted one."""
        current = self.total_minor
        for instant, total in self.corrections:
            if instant <= at:
                current = total
        return current

    def lastmodified(self, at: datetime) -> datetime:
        """lastmodifieddate at ``at`` (payment and corrections touch it)."""
        changes = (self.paid_at, *(i for i, _ in (*self.corrections, *self.relinks)))
        return touched_at(at, self.created, changes)


@dataclass(frozen=True, slots=True)
class SupportOrganization:
    """A Zendesk organization; ``external_id`` is the Salesforce Account Id."""

    id: int
    name: str
    external_id: str | None
    created: datetime


@dataclass(frozen=True, slots=True)
class SupportTicket:
    """A Zendesk ticket with its status history as (instant, status) pairs, oldest first."""

    id: int
    organization_id: int | None
    subject: str
    priority: str
    tags: tuple[str, ...]
    created: datetime
    history: tuple[tuple[datetime, str], ...]

    def status(self, at: datetime) -> str:
        """Ticket status at ``at``."""
        current = "new"
        for instant, status in self.history:
            if instant <= at:
                current = status
        return current

    def updated(self, at: datetime) -> datetime:
        """updated_at at ``at``."""
        return touched_at(at, self.created, (i for i, _ in self.history))


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One middleware processing attempt, as written to the JSON-lines log."""

    ts: datetime
    flow: FlowName
    correlation_id: str
    source_system: str
    source_id: str
    target_system: str
    target_id: str | None
    status: LogStatus
    attempt: int
    error_code: str | None
    error_message: str | None
    duration_ms: int

    def as_json(self) -> dict[str, object]:
        """The log line's JSON object (``ts`` as ISO 8601 UTC with milliseconds and ``Z``)."""
        return {
            "ts": self.ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.ts.microsecond // 1000:03d}Z",
            "flow": self.flow,
            "correlation_id": self.correlation_id,
            "source_system": self.source_system,
            "source_id": self.source_id,
            "target_system": self.target_system,
            "target_id": self.target_id,
            "status": self.status,
            "attempt": self.attempt,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "duration_ms": self.duration_ms,
        }


@dataclass(slots=True)
class AccountBundle:
    """Everything the company holds about one CRM account, across every system.

    Orphan and duplicate customers belong to the bundle that produced them, so the world can
    be generated and checked one bundle at a time without holding all of it in memory.
    """

    account: CrmAccount
    amendments: list[AmendmentQuote] = field(default_factory=list)
    billing_customers: list[BillingCustomer] = field(default_factory=list)
    subscriptions: list[BillingSubscription] = field(default_factory=list)
    invoices: list[BillingInvoice] = field(default_factory=list)
    stripe_events: list[StripeEvent] = field(default_factory=list)
    erp_customers: list[ErpCustomer] = field(default_factory=list)
    erp_invoices: list[ErpInvoice] = field(default_factory=list)
    organizations: list[SupportOrganization] = field(default_factory=list)
    tickets: list[SupportTicket] = field(default_factory=list)
    log_events: list[LogEvent] = field(default_factory=list)
