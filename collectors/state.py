"""Incremental positions: inclusive start with a look-back, and a watermark that only moves forward.

A stream re-reads from ``watermark - lookback`` inclusively. Records on or behind the boundary
come back again; the store's idempotent upsert makes that a no-op, so many records sharing one
timestamp are never missed (inclusive start) nor doubled (the primary key de-duplicates).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def cursor_of(position: dict[str, Any] | None, key: str = "cursor") -> datetime | None:
    """The stored cursor instant of a position, if any."""
    if not position or position.get(key) is None:
        return None
    return datetime.fromisoformat(str(position[key])).astimezone(UTC)


def incremental_start(
    position: dict[str, Any] | None, lookback: timedelta, key: str = "cursor"
) -> datetime | None:
    """Where the next read starts (inclusive): the cursor minus the look-back, or None."""
    cursor = cursor_of(position, key)
    return None if cursor is None else cursor - lookback


def advanced(
    position: dict[str, Any] | None, seen: datetime | None, key: str = "cursor", **extra: Any
) -> dict[str, Any]:
    """A new position whose cursor is the later of the stored one and ``seen``."""
    current = cursor_of(position, key)
    latest = max((c for c in (current, seen) if c is not None), default=None)
    merged = dict(position or {})
    merged.update(extra)
    merged[key] = latest.isoformat() if latest is not None else None
    return merged
