"""Zendesk organizations and tickets as canonical records (times in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from collectors.base import Raw, expect_present, require
from core.errors import RecordError
from core.store.records import CanonicalRecord

SYSTEM = "zendesk"


def instant(raw: Raw, field_name: str) -> datetime:
    """An ISO 8601 timestamp with an offset, as an aware UTC instant."""
    value = require(raw, field_name)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise RecordError(f"field {field_name!r} is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise RecordError(f"field {field_name!r} has no time zone: {value!r}")
    return parsed.astimezone(UTC)


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def organization(raw: Raw) -> CanonicalRecord:
    """An organization; ``account_ref`` is its external id (the CRM account)."""
    return CanonicalRecord(
        system=SYSTEM,
        object_type="organization",
        external_id=str(require(raw, "id")),
        payload=raw,
        account_ref=_text(expect_present(raw, "external_id")),
        name=_text(expect_present(raw, "name")),
        created_at=instant(raw, "created_at"),
        updated_at=instant(raw, "updated_at"),
    )


def ticket(raw: Raw) -> CanonicalRecord:
    """A ticket; ``parent_ref`` is its organization."""
    return CanonicalRecord(
        system=SYSTEM,
        object_type="ticket",
        external_id=str(require(raw, "id")),
        payload=raw,
        parent_ref=_text(expect_present(raw, "organization_id")),
        name=_text(expect_present(raw, "subject")),
        status=str(require(raw, "status")),
        created_at=instant(raw, "created_at"),
        updated_at=instant(raw, "updated_at"),
    )
