"""The materialised world: every entity of every bundle, in flat lists the simulators serve."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sandbox.model import (
    AccountBundle,
    AmendmentQuote,
    BillingCustomer,
    BillingInvoice,
    BillingSubscription,
    CrmAccount,
    ErpCustomer,
    ErpInvoice,
    LogEvent,
    StripeEvent,
    SupportOrganization,
    SupportTicket,
)


@dataclass(slots=True)
class World:
    """All entities, each list ordered by creation time (log events by ``ts``)."""

    accounts: list[CrmAccount] = field(default_factory=list)
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

    @classmethod
    def from_bundles(cls, bundles: Iterable[AccountBundle]) -> World:
        """Flatten bundles into one world, sorted the way each API lists its records."""
        world = cls()
        for b in bundles:
            world.accounts.append(b.account)
            world.amendments.extend(b.amendments)
            world.billing_customers.extend(b.billing_customers)
            world.subscriptions.extend(b.subscriptions)
            world.invoices.extend(b.invoices)
            world.stripe_events.extend(b.stripe_events)
            world.erp_customers.extend(b.erp_customers)
            world.erp_invoices.extend(b.erp_invoices)
            world.organizations.extend(b.organizations)
            world.tickets.extend(b.tickets)
            world.log_events.extend(b.log_events)
        world.accounts.sort(key=lambda r: (r.created, r.id))
        world.amendments.sort(key=lambda r: (r.created, r.id))
        world.billing_customers.sort(key=lambda r: (r.created, r.id))
        world.subscriptions.sort(key=lambda r: (r.created, r.id))
        world.invoices.sort(key=lambda r: (r.created, r.id))
        world.stripe_events.sort(key=lambda r: (r.created, r.id))
        world.erp_customers.sort(key=lambda r: (r.created, int(r.id)))
        world.erp_invoices.sort(key=lambda r: (r.created, int(r.id)))
        world.organizations.sort(key=lambda r: (r.created, r.id))
        world.tickets.sort(key=lambda r: (r.created, r.id))
        world.log_events.sort(key=lambda r: (r.ts, r.correlation_id, r.attempt))
        return world
