"""Stripe's JSON shapes (API version 2025-04-30.basil) for the world's billing entities.

Every object carries every field of Stripe's published example object for its resource
(``tests/fixtures/wire_fields/stripe.json`` names the source and holds the field lists), with
values the world supports: the world's own ids, amounts and instants where it has them, null
where it holds nothing (addresses, phones, tax ids, discounts, shipping, payment methods).
Invoices are collected automatically: the payment the world records at ``paid_at`` is the one
attempt, scheduled in ``next_payment_attempt`` until it happens. Subscription invoices bill the
service period their line shows and, as Stripe does, report the period before it in
``period_start``/``period_end``.

Every object is rendered as of an instant, so an event's ``data.object`` shows the object as it
was when the event happened. Malformed records (``sandbox.selection.malformed`` with system
``"stripe"`` and object types ``customer``, ``subscription`` and ``invoice``) carry one value a
parser must reject: a customer or subscription with ``"created": null``, an invoice whose
``total`` is a decimal string such as ``"12.5x"``. An event embeds the same rendering, so it is
malformed exactly when its object is.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from sandbox.catalog import World
from sandbox.model import BillingCustomer, BillingInvoice, BillingSubscription, StripeEvent
from sandbox.profile import TransportFaults
from sandbox.selection import malformed
from sandbox.stripe.items import (
    billing_period,
    derived_id,
    invoice_line,
    list_object,
    subscription_item,
)
from sandbox.wire.encoding import JsonObject, apply_renames, unix

STRIPE_API_VERSION = "2025-04-30.basil"
# The simulated Stripe account, as hosted invoice pages and PDFs name it in their URLs.
_ACCOUNT = "acct_sandbox"

# Whatever a later change leaves equal was not an attribute of the change.
_JUST_BEFORE = timedelta(microseconds=1)


def _ts(instant: datetime | None, at: datetime) -> int | None:
    """Unix seconds of ``instant`` if it has happened by ``at``, else None."""
    return unix(instant) if instant is not None and instant <= at else None


def _changes(before: Any, after: Any) -> Any:
    """Stripe's ``previous_attributes``: the old values of whatever changed, nested dicts diffed."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return before
    previous: JsonObject = {}
    for key in after.keys() | before.keys():
        old, new = before.get(key), after.get(key)
        if old != new:
            previous[key] = _changes(old, new)
    return previous


def _no_tax() -> JsonObject:
    return {"disabled_reason": None, "enabled": False, "liability": None}


class StripeRenderer:
    """Renders customers, subscriptions, invoices and events at a given instant."""

    def __init__(self, world: World, seed: int, faults: TransportFaults) -> None:
        self._seed = seed
        self._faults = faults
        self.customers = {c.id: c for c in world.billing_customers}
        self.subscriptions = {s.id: s for s in world.subscriptions}
        self.invoices = {i.id: i for i in world.invoices}
        self.events = {e.id: e for e in world.stripe_events}
        # A customer's currency is fixed by its first subscription or invoice.
        self._first_billing: dict[str, tuple[datetime, str]] = {}
        records: list[BillingSubscription | BillingInvoice] = [
            *world.subscriptions,
            *world.invoices,
        ]
        for record in records:
            first = self._first_billing.get(record.customer_id)
            if first is None or record.created < first[0]:
                self._first_billing[record.customer_id] = (record.created, record.currency)
        self._invoices_of: defaultdict[str, list[BillingInvoice]] = defaultdict(list)
        self._billed: defaultdict[str, list[tuple[datetime, str]]] = defaultdict(list)
        for i in world.invoices:
            self._invoices_of[i.customer_id].append(i)
            if i.subscription_id is not None:
                self._billed[i.subscription_id].append((i.created, i.id))
        for billed in self._billed.values():
            billed.sort()

    def _is_malformed(self, object_type: str, record_id: str) -> bool:
        return malformed(self._seed, self._faults.malformed, "stripe", object_type, record_id)

    def customer(self, c: BillingCustomer, at: datetime) -> JsonObject:
        """A customer object."""
        metadata = {"crm_account_id": c.crm_account_id} if c.crm_account_id else {}
        first = self._first_billing.get(c.id)
        invoices = self._invoices_of.get(c.id, [])
        # Invoice numbers are PREFIX-0001, PREFIX-0002, ...: the prefix is the customer's.
        prefix = invoices[0].number.rpartition("-")[0] if invoices else ""
        numbered = [
            int(sequence)
            for i in invoices
            if i.finalized_at is not None
            and i.finalized_at <= at
            and (sequence := i.number.rpartition("-")[2]).isdigit()
        ]
        body: JsonObject = {
            "id": c.id,
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": None if self._is_malformed("customer", c.id) else unix(c.created),
            "currency": first[1].lower() if first is not None and first[0] <= at else None,
            "default_source": None,
            "delinquent": False,
            "description": None,
            "discount": None,
            "email": c.email,
            "invoice_prefix": prefix or c.id.removeprefix("cus_")[:8].upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": metadata,
            "name": c.name,
            "next_invoice_sequence": max(numbered, default=0) + 1,
            "phone": None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        return apply_renames(body, self._faults.renamed_fields)

    def deleted_customer(self, customer_id: str) -> JsonObject:
        """What a deleted customer answers with."""
        body: JsonObject = {"id": customer_id, "object": "customer", "deleted": True}
        return apply_renames(body, self._faults.renamed_fields)

    def subscription_metadata(self, s: BillingSubscription, at: datetime) -> dict[str, str]:
        """The metadata the middleware keeps on a subscription: the latest applied amendment."""
        latest = s.latest_amendment(at)
        return {"crm_amendment_id": latest.amendment_id} if latest else {}

    def subscription(self, s: BillingSubscription, at: datetime) -> JsonObject:
        """A subscription object; its price follows the latest applied amendment."""
        canceled = _ts(s.canceled_at, at)
        created = unix(s.created)
        billed = self._billed.get(s.id, [])
        shown = bisect_right(billed, at, key=itemgetter(0))
        body: JsonObject = {
            "id": s.id,
            "object": "subscription",
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": _no_tax(),
            "billing_cycle_anchor": created,
            "billing_cycle_anchor_config": None,
            "billing_mode": {"flexible": None, "type": "classic"},
            "billing_schedules": [],
            "billing_thresholds": None,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": canceled,
            "cancellation_details": {
                "comment": None,
                "feedback": None,
                "reason": None if canceled is None else "cancellation_requested",
            },
            "collection_method": "charge_automatically",
            "created": None if self._is_malformed("subscription", s.id) else created,
            "currency": s.currency.lower(),
            "customer": s.customer_id,
            "customer_account": None,
            "days_until_due": None,
            "default_payment_method": None,
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            "ended_at": canceled,
            "invoice_settings": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": {"type": "self"},
            },
            "items": list_object(
                [subscription_item(s, at)], f"/v1/subscription_items?subscription={s.id}"
            ),
            "latest_invoice": billed[shown - 1][1] if shown else None,
            "livemode": False,
            "managed_payments": {"enabled": False},
            "metadata": self.subscription_metadata(s, at),
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": "off",
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "start_date": created,
            "status": "canceled" if canceled is not None else "active",
            "test_clock": None,
            "transfer_data": None,
            "trial_end": None,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": None,
        }
        return apply_renames(body, self._faults.renamed_fields)

    def invoice(self, i: BillingInvoice, at: datetime) -> JsonObject:
        """An invoice object; the subscription link sits under ``parent`` as basil puts it."""
        status = i.status(at)
        finalized = _ts(i.finalized_at, at)
        paid = i.total_minor if status == "paid" else 0
        total: int | str = i.total_minor
        if self._is_malformed("invoice", i.id):
            total = f"{i.total_minor / 100:g}x"
        sub = self.subscriptions.get(i.subscription_id) if i.subscription_id else None
        customer = self.customers.get(i.customer_id)
        created = unix(i.created)
        period_start, billing_reason, parent = created, "manual", None
        if i.subscription_id is not None:
            billing_reason = "subscription_cycle"
            parent = {
                "quote_details": None,
                "subscription_details": {
                    "metadata": self.subscription_metadata(sub, i.created) if sub else {},
                    "subscription": i.subscription_id,
                },
                "type": "subscription_details",
            }
            if sub is not None and i.created <= sub.created:
                billing_reason = "subscription_create"
            elif sub is not None:
                period_start = unix(billing_period(sub, i.created - _JUST_BEFORE)[0])
        page = derived_id("test", i.id)
        body: JsonObject = {
            "id": i.id,
            "object": "invoice",
            "account_country": None,
            "account_name": None,
            "account_tax_ids": None,
            "amount_due": i.total_minor,
            "amount_overpaid": 0,
            "amount_paid": paid,
            "amount_remaining": i.total_minor - paid,
            "amount_shipping": 0,
            "application": None,
            "attempt_count": 1 if status == "paid" else 0,
            "attempted": status == "paid",
            "auto_advance": status in ("draft", "open"),
            "automatic_tax": {**_no_tax(), "provider": None, "status": None},
            "automatically_finalizes_at": (
                unix(i.finalized_at) if status == "draft" and i.finalized_at else None
            ),
            "billing_reason": billing_reason,
            "collection_method": "charge_automatically",
            "created": created,
            "currency": i.currency.lower(),
            "custom_fields": None,
            "customer": i.customer_id,
            "customer_account": None,
            "customer_address": None,
            "customer_email": customer.email if customer else None,
            "customer_name": customer.name if customer else None,
            "customer_phone": None,
            "customer_shipping": None,
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "default_payment_method": None,
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            # Only invoices sent for manual payment fall due; these are charged automatically.
            "due_date": None,
            "effective_at": finalized,
            "ending_balance": None if finalized is None else 0,
            "footer": None,
            "from_invoice": None,
            "hosted_invoice_url": (
                None if finalized is None else f"https://invoice.stripe.com/i/{_ACCOUNT}/{page}"
            ),
            "invoice_pdf": (
                None
                if finalized is None
                else f"https://pay.stripe.com/invoice/{_ACCOUNT}/{page}/pdf"
            ),
            "issuer": {"type": "self"},
            "last_finalization_error": None,
            "latest_revision": None,
            "lines": list_object([invoice_line(i, sub)], f"/v1/invoices/{i.id}/lines"),
            "livemode": False,
            "metadata": {},
            "next_payment_attempt": (
                unix(i.paid_at) if status in ("draft", "open") and i.paid_at else None
            ),
            "number": None if status == "draft" else i.number,
            "on_behalf_of": None,
            "parent": parent,
            "payment_settings": {
                "default_mandate": None,
                "payment_method_options": None,
                "payment_method_types": None,
            },
            "period_end": created,
            "period_start": period_start,
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": None,
            "rendering": {
                "amount_tax_display": None,
                "pdf": {"page_size": "auto"},
                "template": None,
                "template_version": None,
            },
            "shipping_cost": None,
            "shipping_details": None,
            "starting_balance": 0,
            "statement_descriptor": None,
            "status": status,
            "status_transitions": {
                "finalized_at": finalized,
                "marked_uncollectible_at": None,
                "paid_at": _ts(i.paid_at, at),
                "voided_at": _ts(i.voided_at, at),
            },
            "subtotal": i.total_minor,
            "subtotal_excluding_tax": i.total_minor,
            "test_clock": None,
            "total": total,
            "total_discount_amounts": [],
            "total_excluding_tax": i.total_minor,
            "total_pretax_credit_amounts": [],
            "total_taxes": [],
            "webhooks_delivered_at": created,
        }
        return apply_renames(body, self._faults.renamed_fields)

    def object_at(self, kind: str, object_id: str, at: datetime) -> JsonObject | None:
        """The object an event names, as of ``at`` (None if the world lacks it)."""
        if kind == "customer" and (c := self.customers.get(object_id)):
            return self.customer(c, at)
        if kind == "subscription" and (s := self.subscriptions.get(object_id)):
            return self.subscription(s, at)
        if kind == "invoice" and (i := self.invoices.get(object_id)):
            return self.invoice(i, at)
        return None

    def event(self, e: StripeEvent) -> JsonObject:
        """An event: its object as of the event, and what changed for ``*.updated`` events."""
        after = self.object_at(e.object_kind, e.object_id, e.created)
        data: JsonObject = {"object": after or {"id": e.object_id, "object": e.object_kind}}
        if e.type.endswith(".updated") and after is not None:
            before = self.object_at(e.object_kind, e.object_id, e.created - _JUST_BEFORE)
            data["previous_attributes"] = _changes(before or {}, after)
        # Customer and subscription changes come from the middleware's API calls; invoice
        # transitions happen inside Stripe (finalization, payment), so they carry no request.
        by_api = e.object_kind in ("customer", "subscription")
        body: JsonObject = {
            "id": e.id,
            "object": "event",
            "api_version": STRIPE_API_VERSION,
            "created": unix(e.created),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {
                "id": derived_id("req", e.id) if by_api else None,
                "idempotency_key": derived_id("idem", e.id) if by_api else None,
            },
            "type": e.type,
        }
        return apply_renames(body, self._faults.renamed_fields)
