"""Motion: later changes to a generated bundle that trip readers polling incrementally.

Each change is drawn from the bundle's own motion stream (seeded apart from its main stream),
so a world without motion is exactly the world it always was, and one with motion differs
only by the changes. Changes fall in the motion window (see ``sandbox.profile.Motion``).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from sandbox.draw import Frame
from sandbox.ids import INVOICES_PER_ACCOUNT, netsuite_invoice_id, netsuite_tranid, stripe_id
from sandbox.model import AccountBundle, ErpCustomer, ErpInvoice, StripeEvent
from sandbox.timeline import fall_back_window, millis, netsuite_safe, whole_seconds

_MINUTE = timedelta(minutes=1)


class MotionDraw:
    """Random choices for one bundle's motion, in its window."""

    def __init__(self, frame: Frame, index: int) -> None:
        self.rng = random.Random(f"{frame.seed}/{index}/motion")
        self.low = frame.now - max(frame.end - frame.now, timedelta(days=1))
        self.high = frame.end

    def chance(self, share: float) -> bool:
        """True with probability ``share``."""
        return share > 0 and self.rng.random() < share

    def instant_after(self, earliest: datetime, before: datetime | None = None) -> datetime | None:
        """A whole second in the window, a minute or more after ``earliest`` and before
        ``before`` (None: no room)."""
        low = max(self.low, earliest + _MINUTE)
        high = self.high if before is None else min(self.high, before - timedelta(seconds=1))
        if low >= high:
            return None
        return whole_seconds(low + (high - low) * self.rng.random())


def apply_motion(frame: Frame, index: int, bundle: AccountBundle) -> None:
    """Add the profile's motion to account ``index``'s freshly generated ``bundle``."""
    motion = frame.profile.motion
    if not motion.changes_records:
        return
    draw = MotionDraw(frame, index)
    _delete_account(draw, bundle, motion.deleted_accounts)
    _clean_up_customers(frame, index, draw, bundle, motion.deleted_customers)
    _relink(draw, bundle, motion.relinks)
    erp_invoices = []
    for invoice in bundle.erp_invoices:
        invoice = _correct_in_fall_back_hour(frame, draw, bundle, invoice)
        invoice = _commit_late(draw, invoice, motion.late_commits, motion.late_commit_delay)
        erp_invoices.extend(_delete_invoice(index, draw, invoice, motion.deleted_invoices))
    bundle.erp_invoices = erp_invoices


def _delete_account(draw: MotionDraw, bundle: AccountBundle, share: float) -> None:
    """The account is deleted in the CRM; half the time it is restored from the bin later."""
    account = bundle.account
    if account.deleted_at is not None or not draw.chance(share):
        return
    deleted = draw.instant_after(account.created)
    if deleted is None:
        return
    deleted = millis(deleted + timedelta(milliseconds=draw.rng.randrange(1000)))
    restored = draw.instant_after(deleted) if draw.chance(0.5) else None
    bundle.account = replace(account, deleted_at=deleted, restored_at=restored)


def _clean_up_customers(
    frame: Frame, index: int, draw: MotionDraw, bundle: AccountBundle, share: float
) -> None:
    """Orphan and duplicate customers (none has invoices) are deleted in a cleanup."""
    account_id = bundle.account.id
    erp_customers = []
    for number, customer in enumerate(bundle.erp_customers):
        extra = number > 0 or customer.externalid != account_id
        if extra and draw.chance(share):
            deleted = draw.instant_after(customer.created)
            if deleted is not None:
                customer = replace(customer, deleted_at=netsuite_safe(deleted))
        erp_customers.append(customer)
    bundle.erp_customers = erp_customers
    billed = {i.customer_id for i in bundle.invoices}
    billing_customers = []
    for b in bundle.billing_customers:
        deleted = None
        if b.crm_account_id != account_id and b.id not in billed and draw.chance(share):
            deleted = draw.instant_after(b.created)
        if deleted is not None:
            b = replace(b, deleted_at=deleted)
            event_id = stripe_id("evt", frame.seed, index, len(bundle.stripe_events))
            bundle.stripe_events.append(
                StripeEvent(event_id, "customer.deleted", deleted, "customer", b.id)
            )
        billing_customers.append(b)
    bundle.billing_customers = billing_customers


def _relink(draw: MotionDraw, bundle: AccountBundle, share: float) -> None:
    """The synced ERP customer was created without its link, fixed later; an ERP invoice was
    posted against the account's other billing invoice and re-pointed later, before it is paid
    (a paid NetSuite invoice is never modified: its last modification dates the payment)."""
    account_id = bundle.account.id
    customers: list[ErpCustomer] = []
    for customer in bundle.erp_customers:
        fixed = None
        if customer.externalid == account_id and draw.chance(share):
            fixed = draw.instant_after(customer.created)
        if fixed is not None:
            customer = replace(
                customer, externalid=None, relinks=((netsuite_safe(fixed), account_id),)
            )
        customers.append(customer)
    bundle.erp_customers = customers
    billing_ids = [i.id for i in bundle.invoices]
    invoices: list[ErpInvoice] = []
    for invoice in bundle.erp_invoices:
        others = [i for i in billing_ids if i != invoice.externalid]
        fixed = None
        if others and draw.chance(share):
            fixed = draw.instant_after(invoice.created, before=invoice.paid_at)
        if fixed is not None:
            wrong = draw.rng.choice(others)
            relinks = ((netsuite_safe(fixed), invoice.externalid),)
            invoice = replace(invoice, externalid=wrong, relinks=relinks)
        invoices.append(invoice)
    bundle.erp_invoices = invoices


def _correct_in_fall_back_hour(
    frame: Frame, draw: MotionDraw, bundle: AccountBundle, invoice: ErpInvoice
) -> ErpInvoice:
    """Someone corrects the total during the second pass of the repeated hour: back to the
    billing total when it differed, else off by one percent."""
    if not draw.chance(frame.profile.motion.fall_back_corrections):
        return invoice
    start, end = fall_back_window(frame.now.year)
    second_pass = start + (end - start) / 2
    fixed = whole_seconds(second_pass + (end - second_pass) * draw.rng.random())
    paid_before = invoice.paid_at is not None and invoice.paid_at <= end
    if not (frame.start <= fixed <= frame.end) or invoice.created >= second_pass or paid_before:
        return invoice
    billed = {i.id: i.total_minor for i in bundle.invoices}.get(invoice.link(fixed))
    total = invoice.total_minor
    if billed is None or billed == total:
        total += max(1, total // 100)
    else:
        total = billed
    return replace(invoice, corrections=((fixed, total),))


def _commit_late(
    draw: MotionDraw, invoice: ErpInvoice, share: float, delay: timedelta
) -> ErpInvoice:
    """The posting's transaction commits after the instant it stamped on the record."""
    in_window = draw.low <= invoice.created <= draw.high
    if not in_window or not draw.chance(share):
        return invoice
    committed = whole_seconds(invoice.created + _MINUTE + (delay - _MINUTE) * draw.rng.random())
    if invoice.paid_at is not None:
        # A payment is applied to a committed invoice only.
        committed = min(committed, invoice.paid_at - timedelta(seconds=1))
    if committed <= invoice.created:
        return invoice
    return replace(invoice, committed_at=committed)


def _delete_invoice(
    index: int, draw: MotionDraw, invoice: ErpInvoice, share: float
) -> list[ErpInvoice]:
    """The ERP invoice is deleted; half the time it is posted again under a new id, unpaid."""
    if not draw.chance(share):
        return [invoice]
    deleted = draw.instant_after(invoice.committed_at or invoice.created)
    if deleted is None:
        return [invoice]
    deleted = netsuite_safe(deleted)
    gone = replace(invoice, deleted_at=deleted)
    if invoice.paid_at is not None and invoice.paid_at > deleted:
        gone = replace(gone, paid_at=None)
    again = draw.instant_after(deleted) if draw.chance(0.5) else None
    if again is None:
        return [gone]
    number = int(invoice.id) - int(netsuite_invoice_id(index, 0))
    new_id = netsuite_invoice_id(index, INVOICES_PER_ACCOUNT // 2 + number)
    reposted = ErpInvoice(
        new_id, netsuite_tranid(new_id), invoice.link(deleted), invoice.entity,
        invoice.total(deleted), invoice.currency, netsuite_safe(again),
    )  # fmt: skip
    return [gone, reposted]
