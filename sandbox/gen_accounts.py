"""One account's CRM record and its ERP and billing customers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from sandbox.draw import Draw
from sandbox.gen_logs import Attempt, emit, failed_run, retry_schedule, succeed
from sandbox.ids import (
    ACCOUNT_PREFIX,
    MADE_UP_INDEX_BASE,
    netsuite_customer_id,
    netsuite_entityid,
    salesforce_id,
    stripe_id,
)
from sandbox.model import (
    BillingCustomer,
    CrmAccount,
    ErpCustomer,
    FlowName,
    StripeEvent,
)
from sandbox.timeline import after, millis, netsuite_safe, whole_seconds

_PREFIXES = (
    "Acme", "Blue", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper",
    "Kestrel", "Lumen", "Maple", "Nimbus", "Orbit", "Pioneer", "Quartz", "River", "Summit",
    "Tidal", "Umber", "Vertex", "Willow", "Xenon", "Yarrow", "Zephyr",
)  # fmt: skip
_NOUNS = (
    "Analytics", "Logistics", "Health", "Robotics", "Foods", "Energy", "Labs", "Systems",
    "Media", "Capital", "Software", "Networks", "Retail", "Bio", "Works", "Studios",
)  # fmt: skip
_SUFFIXES = ("Inc.", "LLC", "Ltd", "GmbH", "S.A.", "K.K.", "Group", "Co.")
StripeObjectKind = Literal["customer", "subscription", "invoice"]

_CURRENCIES = ("USD", "EUR", "GBP", "JPY")
_CURRENCY_WEIGHTS = (70.0, 15.0, 10.0, 5.0)


def minor_units(currency: str, major: float) -> int:
    """A whole number of major units in ``currency``'s minor units (JPY has none)."""
    return round(major) if currency == "JPY" else round(major) * 100


def make_account(draw: Draw) -> CrmAccount:
    """The CRM account: created during the world's span, possibly deleted later."""
    frame, rng = draw.frame, draw.rng
    span = (frame.end - frame.start).total_seconds()
    created = whole_seconds(frame.start + timedelta(seconds=draw.seconds(0, span)))
    name = f"{rng.choice(_PREFIXES)} {rng.choice(_NOUNS)} {draw.index} {rng.choice(_SUFFIXES)}"
    slug = name.split(" ")[0].lower() + name.split(" ")[1].lower() + str(draw.index)
    website = f"https://www.{slug}.com" if draw.chance(0.9) else None
    currency = draw.pick(_CURRENCIES, _CURRENCY_WEIGHTS)
    # ARR between about 6k and 600k USD, log-uniform, in round hundreds (yen: thousands).
    usd = round(6_000 * 100 ** rng.random(), -2)
    arr_major = round(usd * 150, -3) if currency == "JPY" else usd
    deleted_at = None
    if draw.chance(frame.faults.deleted_accounts):
        deleted_at = millis(created + timedelta(seconds=draw.seconds(3600, 30 * 86400)))
    return CrmAccount(
        id=salesforce_id(ACCOUNT_PREFIX, frame.seed, draw.index),
        name=name,
        website=website,
        created=created,
        arr_minor=minor_units(currency, arr_major),
        currency=currency,
        deleted_at=deleted_at,
    )


def _made_up_account_id(draw: Draw, slot: int) -> str:
    index = MADE_UP_INDEX_BASE + draw.index * 4 + slot
    return salesforce_id(ACCOUNT_PREFIX, draw.frame.seed, index)


def _account_run(draw: Draw, flow: FlowName, account: CrmAccount, target_system: str) -> None:
    """Log a run that never wrote the target (half the time the middleware never tried)."""
    if draw.chance(0.5):
        times = retry_schedule(draw, account.created, draw.rng.randint(1, 3))
        emit(draw, flow, 0, account.id, None, failed_run(draw, target_system, times, "failed"))


def add_erp_customers(draw: Draw, account: CrmAccount) -> CrmAccount:
    """Create the account's NetSuite customers and return the account with its link field."""
    faults, bundle = draw.frame.faults, draw.bundle
    flow: FlowName = "account_crm_to_erp"
    if draw.chance(faults.never_synced_erp):
        _account_run(draw, flow, account, "netsuite")
    else:
        written = netsuite_safe(after(account.created, draw.delay(flow)))
        created = written
        if draw.chance(faults.clock_skew):
            # NetSuite's clock runs behind: the record is stamped before the account existed.
            skewed = account.created - timedelta(seconds=int(draw.seconds(60, 7200)))
            created = netsuite_safe(skewed, backwards=True)
        customer = _erp_customer(account, draw.index, 0, account.id, created)
        bundle.erp_customers.append(customer)
        succeed(draw, flow, 0, (account.id, customer.id), (account.created, written), "netsuite")
        linked = millis(written + timedelta(seconds=draw.seconds(0.2, 5)))
        account = replace(account, erp_customer_id=customer.id, erp_linked_at=linked)
        if draw.chance(faults.duplicate_erp_customers):
            again = netsuite_safe(after(account.created, draw.delay(flow)))
            if again == written:
                again += timedelta(seconds=1)
            duplicate = _erp_customer(account, draw.index, 1, account.id, again)
            bundle.erp_customers.append(duplicate)
            # A replayed message created the record a second time under a new correlation id.
            emit(draw, flow, 0, account.id, duplicate.id, [Attempt(again, "success")], run=1)
    if draw.chance(faults.orphan_erp_customers):
        made_up = _made_up_account_id(draw, 0)
        externalid = None if draw.chance(0.5) else made_up
        created = netsuite_safe(after(account.created, draw.seconds(3600, 20 * 86400)))
        bundle.erp_customers.append(_erp_customer(account, draw.index, 2, externalid, created))
    return account


def _erp_customer(
    account: CrmAccount, index: int, slot: int, externalid: str | None, created: datetime
) -> ErpCustomer:
    internal = netsuite_customer_id(index, slot)
    return ErpCustomer(internal, netsuite_entityid(internal), account.name, externalid, created)


def add_billing_customers(
    draw: Draw, account: CrmAccount
) -> tuple[CrmAccount, BillingCustomer | None]:
    """Create the account's Stripe customers; return the linked account and its customer."""
    faults = draw.frame.faults
    flow: FlowName = "account_crm_to_billing"
    email = f"billing@{account.website.removeprefix('https://www.')}" if account.website else None
    primary = None
    if draw.chance(faults.never_synced_billing):
        _account_run(draw, flow, account, "stripe")
    else:
        created = after(account.created, draw.delay(flow))
        primary = BillingCustomer(
            stripe_id("cus", draw.frame.seed, draw.index, 0),
            account.name,
            email,
            account.id,
            created,
        )
        _add_customer(draw, primary)
        succeed(draw, flow, 0, (account.id, primary.id), (account.created, created), "stripe")
        linked = millis(created + timedelta(seconds=draw.seconds(0.2, 5)))
        account = replace(account, billing_customer_id=primary.id, billing_linked_at=linked)
    if draw.chance(faults.orphan_billing_customers):
        key = draw.rng.choice((None, "", _made_up_account_id(draw, 1)))
        created = after(account.created, draw.seconds(3600, 20 * 86400))
        orphan = BillingCustomer(
            stripe_id("cus", draw.frame.seed, draw.index, 1), account.name, email, key, created
        )
        _add_customer(draw, orphan)
    return account, primary


def _add_customer(draw: Draw, customer: BillingCustomer) -> None:
    draw.bundle.billing_customers.append(customer)
    add_stripe_event(draw, "customer.created", customer.created, "customer", customer.id)


def add_stripe_event(
    draw: Draw, kind: str, created: datetime, object_kind: StripeObjectKind, object_id: str
) -> str:
    """Record a Stripe event about ``object_id`` and return its id."""
    events = draw.bundle.stripe_events
    event_id = stripe_id("evt", draw.frame.seed, draw.index, len(events))
    events.append(StripeEvent(event_id, kind, created, object_kind, object_id))
    return event_id
