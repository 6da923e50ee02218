"""Stripe's JSON shapes (API version 2025-04-30.basil) for the world's billing entities.

Every object is rendered as of an instant, so an event's ``data.object`` shows the object as it
was when the event happened. Malformed records (``sandbox.selection.malformed`` with system
``"stripe"`` and object types ``customer``, ``subscription`` and ``invoice``) carry one value a
parser must reject: a customer or subscription with ``"created": null``, an invoice whose
``total`` is a decimal string such as ``"12.5x"``. An event embeds the same rendering, so it is
malformed exactly when its object is.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sandbox.catalog import World
from sandbox.model import BillingCustomer, BillingInvoice, BillingSubscription, StripeEvent
from sandbox.profile import TransportFaults
from sandbox.selection import malformed
from sandbox.wire.encoding import JsonObject, apply_renames, unix

STRIPE_API_VERSION = "2025-04-30.basil"

# Whatever a later change leaves equal was not an attribute of the change.
_JUST_BEFORE = timedelta(microseconds=1)


def derived_id(prefix: str, *key: str) -> str:
    """A stable Stripe-style id (``si_...``) for an object the model does not name."""
    digest = hashlib.blake2b("\x1f".join(key).encode(), digest_size=9).hexdigest()
    return f"{prefix}_{digest}"


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


class StripeRenderer:
    """Renders customers, subscriptions, invoices and events at a given instant."""

    def __init__(self, world: World, seed: int, faults: TransportFaults) -> None:
        self._seed = seed
        self._faults = faults
        self.customers = {c.id: c for c in world.billing_customers}
        self.subscriptions = {s.id: s for s in world.subscriptions}
        self.invoices = {i.id: i for i in world.invoices}
        self.events = {e.id: e for e in world.stripe_events}

    def _is_malformed(self, object_type: str, record_id: str) -> bool:
        return malformed(self._seed, self._faults.malformed, "stripe", object_type, record_id)

    def customer(self, c: BillingCustomer, at: datetime) -> JsonObject:
        """A customer object."""
        metadata = {"crm_account_id": c.crm_account_id} if c.crm_account_id else {}
        body: JsonObject = {
            "id": c.id,
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": None if self._is_malformed("customer", c.id) else unix(c.created),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": None,
            "email": c.email,
            "invoice_prefix": c.id.removeprefix("cus_")[:8].upper(),
            "livemode": False,
            "metadata": metadata,
            "name": c.name,
            "phone": None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
        }
        return apply_renames(body, self._faults.renamed_fields)

    def subscription_metadata(self, s: BillingSubscription, at: datetime) -> dict[str, str]:
        """The metadata the middleware keeps on a subscription: the latest applied amendment."""
        latest = s.latest_amendment(at)
        return {"crm_amendment_id": latest.amendment_id} if latest else {}

    def subscription(self, s: BillingSubscription, at: datetime) -> JsonObject:
        """A subscription object; its price follows the latest applied amendment."""
        latest = s.latest_amendment(at)
        amount = latest.new_amount_minor if latest else s.amount_minor
        canceled = _ts(s.canceled_at, at)
        created = unix(s.created)
        item = {
            "id": derived_id("si", s.id),
            "object": "subscription_item",
            "created": created,
            "metadata": {},
            "price": {
                "id": derived_id("price", s.id, latest.amendment_id if latest else ""),
                "object": "price",
                "active": True,
                "currency": s.currency.lower(),
                "product": derived_id("prod", s.interval),
                "recurring": {
                    "interval": s.interval,
                    "interval_count": 1,
                    "usage_type": "licensed",
                },
                "type": "recurring",
                "unit_amount": amount,
            },
            "quantity": 1,
            "subscription": s.id,
        }
        body: JsonObject = {
            "id": s.id,
            "object": "subscription",
            "billing_cycle_anchor": created,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": canceled,
            "collection_method": "charge_automatically",
            "created": None if self._is_malformed("subscription", s.id) else created,
            "currency": s.currency.lower(),
            "customer": s.customer_id,
            "ended_at": canceled,
            "items": {
                "object": "list",
                "data": [item],
                "has_more": False,
                "total_count": 1,
                "url": f"/v1/subscription_items?subscription={s.id}",
            },
            "livemode": False,
            "metadata": self.subscription_metadata(s, at),
            "start_date": created,
            "status": "canceled" if canceled is not None else "active",
        }
        return apply_renames(body, self._faults.renamed_fields)

    def invoice(self, i: BillingInvoice, at: datetime) -> JsonObject:
        """An invoice object; the subscription link sits under ``parent`` as basil puts it."""
        status = i.status(at)
        paid = i.total_minor if status == "paid" else 0
        total: int | str = i.total_minor
        if self._is_malformed("invoice", i.id):
            total = f"{i.total_minor / 100:g}x"
        parent = None
        if i.subscription_id is not None:
            sub = self.subscriptions.get(i.subscription_id)
            parent = {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "metadata": self.subscription_metadata(sub, i.created) if sub else {},
                    "subscription": i.subscription_id,
                },
            }
        created = unix(i.created)
        line = {
            "id": derived_id("il", i.id),
            "object": "line_item",
            "amount": i.total_minor,
            "currency": i.currency.lower(),
            "description": "Subscription" if i.subscription_id else "Services",
            "invoice": i.id,
            "livemode": False,
            "metadata": {},
            "period": {"start": created, "end": created},
            "quantity": 1,
        }
        body: JsonObject = {
            "id": i.id,
            "object": "invoice",
            "amount_due": i.total_minor,
            "amount_paid": paid,
            "amount_remaining": i.total_minor - paid,
            "billing_reason": "subscription_cycle" if i.subscription_id else "manual",
            "collection_method": "charge_automatically",
            "created": created,
            "currency": i.currency.lower(),
            "customer": i.customer_id,
            "due_date": None,
            "effective_at": _ts(i.finalized_at, at),
            "hosted_invoice_url": None,
            "lines": {
                "object": "list",
                "data": [line],
                "has_more": False,
                "total_count": 1,
                "url": f"/v1/invoices/{i.id}/lines",
            },
            "livemode": False,
            "metadata": {},
            "number": None if status == "draft" else i.number,
            "parent": parent,
            "status": status,
            "status_transitions": {
                "finalized_at": _ts(i.finalized_at, at),
                "marked_uncollectible_at": None,
                "paid_at": _ts(i.paid_at, at),
                "voided_at": _ts(i.voided_at, at),
            },
            "subtotal": i.total_minor,
            "total": total,
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
