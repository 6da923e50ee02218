"""What a Stripe subscription or invoice bills: prices, plans, subscription items, invoice lines.

The model names none of these objects, so their ids are derived from the records they belong
to: a subscription gets a new price with every amendment, an invoice has one line. Field lists
follow Stripe's published example objects, like the objects in ``sandbox.stripe.render``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sandbox.model import BillingInvoice, BillingSubscription
from sandbox.timeline import add_months
from sandbox.wire.encoding import JsonObject, unix


def derived_id(prefix: str, *key: str) -> str:
    """A stable Stripe-style id (``si_...``) for an object the model does not name."""
    digest = hashlib.blake2b("\x1f".join(key).encode(), digest_size=9).hexdigest()
    return f"{prefix}_{digest}"


def list_object(data: list[JsonObject], url: str) -> JsonObject:
    """A list embedded in an object (a subscription's items, an invoice's lines), all of it."""
    return {"object": "list", "data": data, "has_more": False, "url": url}


def billing_period(s: BillingSubscription, instant: datetime) -> tuple[datetime, datetime]:
    """The subscription's billing period holding ``instant`` (the first one before it starts).

    Boundaries are whole intervals from the creation, clamped to short months as billing
    systems do, so the n-th boundary is computed from the creation, never from the previous one.
    """
    months = 1 if s.interval == "month" else 12
    n = max(0, ((instant.year - s.created.year) * 12 + instant.month - s.created.month) // months)
    while n > 0 and add_months(s.created, n * months) > instant:
        n -= 1
    while add_months(s.created, (n + 1) * months) <= instant:
        n += 1
    return add_months(s.created, n * months), add_months(s.created, (n + 1) * months)


def price(s: BillingSubscription, at: datetime) -> JsonObject:
    """The price the subscription bills at ``at``: a new one with every applied amendment."""
    latest = s.latest_amendment(at)
    amount = latest.new_amount_minor if latest else s.amount_minor
    return {
        "id": derived_id("price", s.id, latest.amendment_id if latest else ""),
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": unix(latest.applied_at if latest else s.created),
        "currency": s.currency.lower(),
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": derived_id("prod", s.interval),
        "recurring": {
            "interval": s.interval,
            "interval_count": 1,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": amount,
        "unit_amount_decimal": str(amount),
    }


def _plan(recurring_price: JsonObject) -> JsonObject:
    """The legacy plan Stripe still shows beside a recurring price, mirroring it."""
    recurring = recurring_price["recurring"]
    return {
        "id": recurring_price["id"],
        "object": "plan",
        "active": True,
        "amount": recurring_price["unit_amount"],
        "amount_decimal": recurring_price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": recurring_price["created"],
        "currency": recurring_price["currency"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": False,
        "metadata": {},
        "meter": None,
        "nickname": None,
        "product": recurring_price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": recurring["usage_type"],
    }


def subscription_item(s: BillingSubscription, at: datetime) -> JsonObject:
    """The subscription's one item; a canceled subscription keeps its last period."""
    current = price(s, at)
    start, end = billing_period(s, min(at, s.canceled_at) if s.canceled_at else at)
    return {
        "id": derived_id("si", s.id),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": unix(s.created),
        "current_period_end": unix(end),
        "current_period_start": unix(start),
        "discounts": [],
        "metadata": {},
        "plan": _plan(current),
        "price": current,
        "quantity": 1,
        "subscription": s.id,
        "tax_rates": [],
    }


def invoice_line(i: BillingInvoice, sub: BillingSubscription | None) -> JsonObject:
    """The invoice's one line: a period of its subscription, or a one-off invoice item."""
    created = unix(i.created)
    period = {"end": created, "start": created}
    price_id, product = derived_id("price", i.id), derived_id("prod", "services")
    if sub is not None:
        start, end = billing_period(sub, i.created)
        period = {"end": unix(end), "start": unix(start)}
        billed = price(sub, i.created)
        price_id, product = billed["id"], billed["product"]
    details = {"proration": False, "proration_details": {"credited_items": None}}
    parent: JsonObject = {
        "invoice_item_details": None,
        "subscription_item_details": None,
        "type": "subscription_item_details",
    }
    if i.subscription_id is None:
        parent["type"] = "invoice_item_details"
        parent["invoice_item_details"] = {
            "invoice_item": derived_id("ii", i.id),
            **details,
            "subscription": None,
        }
    else:
        parent["subscription_item_details"] = {
            "invoice_item": None,
            **details,
            "subscription": i.subscription_id,
            "subscription_item": derived_id("si", i.subscription_id),
        }
    return {
        "id": derived_id("il", i.id),
        "object": "line_item",
        "amount": i.total_minor,
        "currency": i.currency.lower(),
        "description": "Subscription" if i.subscription_id else "Services",
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": i.id,
        "livemode": False,
        "metadata": {},
        "parent": parent,
        "period": period,
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": price_id, "product": product},
            "type": "price_details",
            "unit_amount_decimal": str(i.total_minor),
        },
        "quantity": 1,
        "quantity_decimal": "1",
        "subscription": i.subscription_id,
        "subtotal": i.total_minor,
        "taxes": [],
    }
