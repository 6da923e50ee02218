"""Subscriptions, amendments, invoices and payments, and their reflection in the ERP."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.draw import Draw
from sandbox.gen_accounts import add_stripe_event, minor_units
from sandbox.gen_logs import (
    PERMANENT,
    Attempt,
    emit,
    failed_run,
    failures_between,
    retry_schedule,
    succeed,
)
from sandbox.ids import (
    CONTRACT_PREFIX,
    INVOICES_PER_ACCOUNT,
    QUOTE_PREFIX,
    netsuite_invoice_id,
    netsuite_tranid,
    salesforce_id,
    stripe_id,
    stripe_invoice_prefix,
)
from sandbox.model import (
    AmendmentQuote,
    AppliedAmendment,
    BillingCustomer,
    BillingInvoice,
    BillingSubscription,
    CrmAccount,
    ErpCustomer,
    ErpInvoice,
    FlowName,
    LogStatus,
)
from sandbox.timeline import add_months, after, billing_run, netsuite_safe, whole_seconds

_OTHER_CURRENCY = {"USD": "EUR", "EUR": "USD", "GBP": "USD", "JPY": "USD"}


def add_billing(
    draw: Draw,
    account: CrmAccount,
    customer: BillingCustomer | None,
    erp_customer: ErpCustomer | None,
) -> None:
    """Most billed accounts subscribe; invoices follow each period and are posted to the ERP."""
    if customer is None or not draw.chance(0.9):
        return
    frame = draw.frame
    created = after(customer.created, draw.seconds(60, 2 * 86400))
    in_run = draw.chance(frame.profile.motion.billing_runs)
    if in_run:
        created = billing_run(created, frame.now)
    if created > frame.end:
        return
    monthly = draw.chance(0.75)
    per_year = 12 if monthly else 1
    amount = round(account.arr_minor / per_year)
    sub_id = stripe_id("sub", frame.seed, draw.index, 0)
    add_stripe_event(draw, "customer.subscription.created", created, "subscription", sub_id)
    applied = _amendment(draw, account, sub_id, created, amount, per_year)
    subscription = BillingSubscription(
        sub_id,
        customer.id,
        created,
        amount,
        account.currency,
        "month" if monthly else "year",
        amendments=applied,
    )
    draw.bundle.subscriptions.append(subscription)
    _invoices(draw, subscription, erp_customer, in_run)


def _amendment(
    draw: Draw, account: CrmAccount, sub_id: str, since: datetime, amount: int, per_year: int
) -> tuple[AppliedAmendment, ...]:
    """At most one amendment quote per account; unless stuck, billing applies it later."""
    frame = draw.frame
    earliest = since + timedelta(days=7)
    if not draw.chance(0.3) or earliest >= frame.end:
        return ()
    created = whole_seconds(earliest + (frame.end - earliest) * draw.rng.random())
    approved = after(created, draw.seconds(1800, 3 * 86400))
    arr_major = account.arr_minor if account.currency == "JPY" else account.arr_minor // 100
    net = minor_units(account.currency, round(arr_major * draw.seconds(0.05, 0.4), -2))
    quote = AmendmentQuote(
        id=salesforce_id(QUOTE_PREFIX, frame.seed, draw.index),
        account_id=account.id,
        master_contract_id=salesforce_id(CONTRACT_PREFIX, frame.seed, draw.index),
        net_amount_minor=net,
        currency=account.currency,
        created=created,
        approved_at=approved,
    )
    draw.bundle.amendments.append(quote)
    flow: FlowName = "amendment_crm_to_billing"
    if draw.chance(frame.faults.stuck_amendments):
        if draw.chance(0.5):
            times = retry_schedule(draw, approved, draw.rng.randint(1, 3))
            emit(draw, flow, 0, quote.id, sub_id, failed_run(draw, "stripe", times, "failed"))
        return ()
    applied_at = after(approved, draw.delay(flow))
    event_id = add_stripe_event(
        draw, "customer.subscription.updated", applied_at, "subscription", sub_id
    )
    succeed(draw, flow, 0, (quote.id, sub_id), (approved, applied_at), "stripe")
    return (AppliedAmendment(event_id, quote.id, applied_at, amount + round(net / per_year)),)


def _invoices(
    draw: Draw, subscription: BillingSubscription, erp_customer: ErpCustomer | None, in_run: bool
) -> None:
    """Bill every period; a billing run's invoices are finalized an hour after the run, in
    one second with every other invoice of the run, and cards pay within that second."""
    frame = draw.frame
    step = 1 if subscription.interval == "month" else 12
    prefix = stripe_invoice_prefix(frame.seed, draw.index)
    change = subscription.amendments[0] if subscription.amendments else None
    for number in range(INVOICES_PER_ACCOUNT):
        created = add_months(subscription.created, number * step)
        if created > frame.end:
            break
        total = subscription.amount_minor
        if change is not None and created >= change.applied_at:
            total = change.new_amount_minor
        if in_run:
            finalized = created + timedelta(hours=1, seconds=draw.seconds(0, 0.5))
        else:
            finalized = after(created, draw.seconds(60, 3600))
        paid, voided = _settlement(draw, finalized, in_run)
        invoice = BillingInvoice(
            id=stripe_id("in", frame.seed, draw.index, number),
            number=f"{prefix}-{number + 1:04d}",
            customer_id=subscription.customer_id,
            subscription_id=subscription.id,
            total_minor=total,
            currency=subscription.currency,
            created=created,
            finalized_at=finalized,
            paid_at=paid,
            voided_at=voided,
        )
        draw.bundle.invoices.append(invoice)
        for kind, at in (
            ("created", created),
            ("finalized", finalized),
            ("paid", paid),
            ("voided", voided),
        ):
            if at is not None:
                add_stripe_event(draw, f"invoice.{kind}", at, "invoice", invoice.id)
        _post(draw, number, invoice, erp_customer)


def _settlement(
    draw: Draw, finalized: datetime, in_run: bool
) -> tuple[datetime | None, datetime | None]:
    """(paid_at, voided_at): cards pay at once, transfers later; some stay open, a few voids."""
    roll = draw.rng.random()
    if roll < 0.6 and in_run:
        return finalized + timedelta(seconds=draw.seconds(0.05, 0.45)), None
    finalized = whole_seconds(finalized)
    if roll < 0.6:
        return after(finalized, draw.seconds(5, 120)), None
    if roll < 0.9:
        return after(finalized, draw.rng.lognormvariate(12.5, 0.8)), None
    if roll < 0.97:
        return None, None
    return None, after(finalized, draw.seconds(86400, 15 * 86400))


def _post(
    draw: Draw, number: int, invoice: BillingInvoice, erp_customer: ErpCustomer | None
) -> None:
    """Post the finalized invoice to NetSuite, or fail to, as the profile's shares say."""
    faults = draw.frame.faults
    flow: FlowName = "invoice_billing_to_erp"
    assert invoice.finalized_at is not None
    # Everything downstream of Stripe sees its whole seconds.
    finalized = whole_seconds(invoice.finalized_at)
    roll = draw.rng.random()
    cuts = (
        faults.posting_failed,
        faults.posting_dead_letter,
        faults.posting_failed_then_succeeded,
        faults.silent_misses,
    )
    mode, edge = "normal", 0.0
    for name, share in zip(("failed", "dead_letter", "recovered", "silent"), cuts, strict=True):
        edge += share
        if roll < edge:
            mode = name
            break
    if mode == "silent":
        return
    if erp_customer is None or mode in ("failed", "dead_letter"):
        # Without an ERP customer NetSuite rejects the invoice's entity reference.
        last: LogStatus = "dead_letter" if mode == "dead_letter" else "failed"
        count = draw.rng.randint(3, 5) if last == "dead_letter" else draw.rng.randint(1, 3)
        times = retry_schedule(draw, finalized, count)
        code = "INVALID_KEY_OR_REF" if erp_customer is None else None
        emit(draw, flow, number, invoice.id, None, failed_run(draw, "netsuite", times, last, code))
        if invoice.paid_at is not None:
            paid_try = retry_schedule(draw, max(whole_seconds(invoice.paid_at), times[-1]), 1)
            attempts = failed_run(draw, "netsuite", paid_try, "failed", "INVALID_KEY_OR_REF")
            emit(draw, "payment_billing_to_erp", number, invoice.id, None, attempts)
        return
    posted = max(
        after(finalized, draw.delay(flow)), after(erp_customer.created, draw.seconds(1, 30))
    )
    failures: list[Attempt] = []
    if mode == "recovered":
        # Someone fixed the cause (a permission, a missing reference) and re-drove the message.
        posted = after(posted, draw.seconds(1800, 2 * 86400))
        failures = [
            Attempt(t, "failed", draw.rng.choice(PERMANENT["netsuite"]))
            for t in failures_between(draw, finalized, posted, draw.rng.randint(1, 3))
        ]
    posted = netsuite_safe(posted)
    if invoice.voided_at is not None and invoice.voided_at <= posted:
        emit(draw, flow, number, invoice.id, None, failures)
        return
    total, currency = invoice.total_minor, invoice.currency
    if draw.chance(faults.amount_mismatches):
        if draw.chance(0.2):
            currency = _OTHER_CURRENCY[currency]
        else:
            unit = 1 if currency == "JPY" else 100
            total += draw.rng.choice((-1, 1, max(unit, round(total * 0.0825))))
    erp_id = netsuite_invoice_id(draw.index, number)
    paid_at = _payment(draw, number, invoice, posted, erp_id)
    draw.bundle.erp_invoices.append(
        ErpInvoice(
            erp_id,
            netsuite_tranid(erp_id),
            invoice.id,
            erp_customer.id,
            total,
            currency,
            posted,
            paid_at,
        )
    )
    succeed(draw, flow, number, (invoice.id, erp_id), (finalized, posted), "netsuite", failures)


def _payment(
    draw: Draw, number: int, invoice: BillingInvoice, posted: datetime, erp_id: str
) -> datetime | None:
    """When NetSuite marks the posted invoice paid (None: not paid, or never synced)."""
    if invoice.paid_at is None:
        return None
    paid_at = whole_seconds(invoice.paid_at)
    flow: FlowName = "payment_billing_to_erp"
    if draw.chance(draw.frame.faults.payment_not_synced):
        if draw.chance(0.5):
            times = retry_schedule(draw, max(paid_at, posted), draw.rng.randint(1, 2))
            emit(
                draw, flow, number, invoice.id, None, failed_run(draw, "netsuite", times, "failed")
            )
        return None
    paid = max(after(paid_at, draw.delay(flow)), after(posted, draw.seconds(1, 600)))
    failures: list[Attempt] = []
    if draw.chance(draw.frame.faults.payment_failed_then_synced):
        # As for invoices: the cause was fixed and the payment re-driven, hours or days later.
        tried = max(paid_at, posted)
        paid = after(paid, draw.seconds(1800, 2 * 86400))
        failures = [
            Attempt(t, "failed", draw.rng.choice(PERMANENT["netsuite"]))
            for t in failures_between(draw, tried, paid, draw.rng.randint(1, 3))
        ]
    paid = netsuite_safe(paid)
    succeed(draw, flow, number, (invoice.id, erp_id), (paid_at, paid), "netsuite", failures)
    return paid
