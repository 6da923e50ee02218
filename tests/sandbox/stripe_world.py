"""A small hand-built billing world for the Stripe simulator tests, frozen at ``NOW``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.catalog import World
from sandbox.model import (
    AppliedAmendment,
    BillingCustomer,
    BillingInvoice,
    BillingSubscription,
    StripeEvent,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CUSTOMERS = 25
FUTURE_INVOICE = "in_future000000001"


def _at(hours_ago: float) -> datetime:
    return NOW - timedelta(hours=hours_ago)


def build_world() -> World:
    """25 customers (two sharing a created second), 4 subscriptions, 30 invoices, 10 events."""
    customers = [
        BillingCustomer(
            id=f"cus_T{n:013d}",
            name=f"Customer {n}",
            email=f"billing{n}@example.com",
            crm_account_id=f"001T{n:014d}" if n % 5 else None,
            created=_at(100 - n),
        )
        for n in range(CUSTOMERS)
    ]
    # Same created second as customer 3: the id breaks the tie.
    customers.append(
        BillingCustomer("cus_T9999999999999", "Twin", "twin@example.com", None, _at(97))
    )
    subs = [
        BillingSubscription("sub_A0001", "cus_T0000000000001", _at(90), 10_000, "USD", "month"),
        BillingSubscription(
            "sub_A0002",
            "cus_T0000000000002",
            _at(80),
            20_000,
            "USD",
            "year",
            amendments=(AppliedAmendment("evt_amend1", "a1QAMEND0001", _at(10), 25_000),),
        ),
        BillingSubscription(
            "sub_A0003", "cus_T0000000000003", _at(70), 5_000, "EUR", "month", canceled_at=_at(5)
        ),
        BillingSubscription("sub_A0004", "cus_T0000000000002", _at(60), 7_000, "USD", "month"),
    ]
    invoices = []
    for n in range(30):
        created = _at(50 - n)
        state = n % 4
        invoices.append(
            BillingInvoice(
                id=f"in_T{n:014d}",
                number=f"INV-{n:04d}",
                customer_id=f"cus_T{n % 6:013d}",
                subscription_id="sub_A0001" if n % 3 == 0 else None,
                total_minor=1250 + n,
                currency="USD",
                created=created,
                finalized_at=None if state == 0 else created + timedelta(minutes=5),
                paid_at=created + timedelta(minutes=30) if state == 2 else None,
                voided_at=created + timedelta(minutes=40) if state == 3 else None,
            )
        )
    invoices.append(
        BillingInvoice(
            FUTURE_INVOICE,
            "INV-FUT",
            "cus_T0000000000001",
            None,
            999,
            "USD",
            NOW + timedelta(seconds=30),
            None,
        )
    )
    events = [
        StripeEvent(
            "evt_old0001", "customer.created", NOW - timedelta(days=31), "customer", customers[0].id
        ),
        StripeEvent(
            "evt_old0002",
            "invoice.paid",
            NOW - timedelta(days=30, seconds=1),
            "invoice",
            "in_T00000000000002",
        ),
        StripeEvent(
            "evt_in0001",
            "invoice.finalized",
            NOW - timedelta(days=30),
            "invoice",
            "in_T00000000000001",
        ),
        StripeEvent(
            "evt_in0002",
            "invoice.paid",
            invoices[2].paid_at or NOW,
            "invoice",
            "in_T00000000000002",
        ),
        StripeEvent(
            "evt_in0003",
            "invoice.paid",
            invoices[6].paid_at or NOW,
            "invoice",
            "in_T00000000000006",
        ),
        StripeEvent(
            "evt_in0004",
            "invoice.voided",
            invoices[3].voided_at or NOW,
            "invoice",
            "in_T00000000000003",
        ),
        StripeEvent(
            "evt_amend1", "customer.subscription.updated", _at(10), "subscription", "sub_A0002"
        ),
        StripeEvent("evt_cus0001", "customer.created", _at(2), "customer", customers[20].id),
        StripeEvent(
            "evt_sub0003", "customer.subscription.deleted", _at(5), "subscription", "sub_A0003"
        ),
        StripeEvent(
            "evt_future1", "invoice.created", NOW + timedelta(seconds=30), "invoice", FUTURE_INVOICE
        ),
    ]
    world = World(
        billing_customers=customers, subscriptions=subs, invoices=invoices, stripe_events=events
    )
    return world
