"""Stripe objects as canonical records (DESIGN §4): money in minor units, times in UTC."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from collectors.base import Raw, expect_present, require
from core.errors import RecordError
from core.money import currency_code
from core.store.records import CanonicalRecord

SYSTEM = "stripe"


def from_unix(value: object, field_name: str) -> datetime:
    """Unix seconds as an aware UTC instant."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"field {field_name!r} is not a unix time: {value!r}")
    return datetime.fromtimestamp(value, UTC)


def optional_unix(value: object, field_name: str) -> datetime | None:
    """Unix seconds as an aware UTC instant, or None when null."""
    return None if value is None else from_unix(value, field_name)


def minor_units(value: object, field_name: str) -> int:
    """An integer amount in minor units, as Stripe sends every amount."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"field {field_name!r} is not an amount in minor units: {value!r}")
    return value


def nested(raw: Raw, path: str) -> Any:
    """A field under nested objects that must be present (it may be null)."""
    current: Any = raw
    for step in path.split("."):
        if not isinstance(current, Mapping):
            raise RecordError(f"field {path!r} sits under a value that is not an object")
        if step not in current:
            raise RecordError(f"field {path!r} is missing", missing_field=path)
        current = current[step]
    return current


def _ref(value: object) -> str | None:
    """An id that may arrive expanded into its object."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return str(value) if value not in (None, "") else None


def _metadata(raw: Raw, key: str) -> str | None:
    metadata = expect_present(raw, "metadata")
    value = metadata.get(key) if isinstance(metadata, Mapping) else None
    return str(value) if value not in (None, "") else None


def _domain(email: object) -> str | None:
    if not isinstance(email, str) or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


DELETED_RANK = 4


def lifecycle_rank(raw: Raw, *, deleted: bool = False) -> int:
    """How far an object's own lifecycle has come: what orders two versions of one second.

    Stripe orders events newest first but promises nothing within one second, so an object's
    state breaks the tie: deleted (4) after paid or void (3), after uncollectible (2), after
    finalized or canceled (1), after draft or active (0). A later lifecycle state never loses
    to an earlier one. Unreadable transitions rank 0; the record itself is then quarantined.
    """
    if deleted or raw.get("deleted") is True:
        return DELETED_RANK
    transitions = raw.get("status_transitions")
    if isinstance(transitions, Mapping):
        if transitions.get("paid_at") is not None or transitions.get("voided_at") is not None:
            return 3
        if transitions.get("marked_uncollectible_at") is not None:
            return 2
        return 1 if transitions.get("finalized_at") is not None else 0
    return 1 if raw.get("ended_at") is not None or raw.get("status") == "canceled" else 0


def customer(
    raw: Raw, observed: datetime, *, account_link_key: str, deleted: bool = False
) -> CanonicalRecord:
    """A customer; ``observed`` is the instant its state was read as of."""
    return CanonicalRecord(
        system=SYSTEM,
        object_type="customer",
        external_id=str(require(raw, "id")),
        payload=raw,
        account_ref=_metadata(raw, account_link_key),
        name=expect_present(raw, "name"),
        domain=_domain(expect_present(raw, "email")),
        created_at=from_unix(require(raw, "created"), "created"),
        updated_at=observed,
        is_deleted=deleted or raw.get("deleted") is True,
        version_at=observed,
        version_rank=lifecycle_rank(raw, deleted=deleted),
    )


def subscription_amount(raw: Raw) -> int:
    """The recurring amount: every item's unit price times its quantity."""
    items = require(require(raw, "items"), "data")
    if not isinstance(items, list):
        raise RecordError("field 'items.data' is not a list")
    total = 0
    for item in items:
        price = require(item, "price")
        quantity = minor_units(require(item, "quantity"), "quantity")
        total += minor_units(require(price, "unit_amount"), "price.unit_amount") * quantity
    return total


def subscription(raw: Raw, observed: datetime, *, amendment_link_key: str) -> CanonicalRecord:
    """A subscription; ``link_ref`` is the latest amendment the middleware applied."""
    return CanonicalRecord(
        system=SYSTEM,
        object_type="subscription",
        external_id=str(require(raw, "id")),
        payload=raw,
        parent_ref=_ref(require(raw, "customer")),
        link_ref=_metadata(raw, amendment_link_key),
        status=str(require(raw, "status")),
        amount_minor=subscription_amount(raw),
        currency=currency_code(require(raw, "currency")),
        created_at=from_unix(require(raw, "created"), "created"),
        updated_at=observed,
        version_at=observed,
        version_rank=lifecycle_rank(raw),
    )


def _subscription_link(raw: Raw) -> str | None:
    """Where API 2025-03-31.basil and later put an invoice's subscription."""
    parent = expect_present(raw, "parent")
    if not isinstance(parent, Mapping) or parent.get("type") != "subscription_details":
        return None
    return _ref(nested(raw, "parent.subscription_details.subscription"))


def invoice(raw: Raw, observed: datetime, *, deleted: bool = False) -> CanonicalRecord:
    """An invoice with its status transitions (``deleted``: a deleted draft)."""
    return CanonicalRecord(
        system=SYSTEM,
        object_type="invoice",
        external_id=str(require(raw, "id")),
        payload=raw,
        name=expect_present(raw, "number"),
        parent_ref=_ref(require(raw, "customer")),
        link_ref=_subscription_link(raw),
        status=str(require(raw, "status")),
        amount_minor=minor_units(require(raw, "total"), "total"),
        currency=currency_code(require(raw, "currency")),
        created_at=from_unix(require(raw, "created"), "created"),
        updated_at=observed,
        finalized_at=optional_unix(
            nested(raw, "status_transitions.finalized_at"), "status_transitions.finalized_at"
        ),
        paid_at=optional_unix(
            nested(raw, "status_transitions.paid_at"), "status_transitions.paid_at"
        ),
        voided_at=optional_unix(
            nested(raw, "status_transitions.voided_at"), "status_transitions.voided_at"
        ),
        is_deleted=deleted or raw.get("deleted") is True,
        version_at=observed,
        version_rank=lifecycle_rank(raw, deleted=deleted),
    )


def subscription_change(event: Raw, *, amendment_link_key: str) -> CanonicalRecord | None:
    """A ``customer.subscription.updated`` event that applied an amendment (None otherwise)."""
    created = from_unix(require(event, "created"), "created")
    sub = nested(event, "data.object")
    if not isinstance(sub, Mapping):
        raise RecordError("field 'data.object' is not an object")
    amendment = _metadata(sub, amendment_link_key)
    if amendment is None:
        return None
    return CanonicalRecord(
        system=SYSTEM,
        object_type="subscription_change",
        external_id=str(require(event, "id")),
        payload=event,
        link_ref=amendment,
        parent_ref=str(require(sub, "id")),
        amount_minor=subscription_amount(sub),
        currency=currency_code(require(sub, "currency")),
        created_at=created,
        updated_at=created,
        version_at=created,
    )
