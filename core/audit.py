"""The audit log: who did what to which record, and when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg


def record_action(
    conn: psycopg.Connection[Any],
    *,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry (in the caller's transaction, so the action and its record agree)."""
    row = conn.execute(
        "INSERT INTO audit_log (ts, actor, action, target_type, target_id, details) "
        "VALUES (COALESCE(%s, now()), %s, %s, %s, %s, %s) RETURNING id",
        (at, actor, action, target_type, target_id, json.dumps(details or {}, default=str)),
    ).fetchone()
    assert row is not None
    return int(row[0])
