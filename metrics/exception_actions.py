"""What people do with exception items: acknowledge, assign, resolve with a note; all audited.

A manual resolve closes the item now; if the next compute still finds the problem, the
reconciliation reopens it (status back to open), so a resolve can never hide a live failure.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import psycopg

from core.audit import record_action


class ExceptionActionError(ValueError):
    """An action that cannot apply: unknown item, already resolved, or missing input."""


def acknowledge(
    conn: psycopg.Connection[Any],
    item_id: int,
    *,
    actor: str,
    at: datetime,
    metrics: Collection[str] | None = None,
) -> None:
    """Mark an open item as seen by ``actor`` (only items of ``metrics``, when given)."""
    _apply(
        conn, item_id, metrics, actor=actor, at=at, action="exception.acknowledge",
        assignments="status = 'acknowledged'", params={}, details={},
    )  # fmt: skip


def assign(
    conn: psycopg.Connection[Any],
    item_id: int,
    *,
    assignee: str,
    actor: str,
    at: datetime,
    metrics: Collection[str] | None = None,
) -> None:
    """Give an open item to ``assignee`` (acknowledging it)."""
    if not assignee.strip():
        raise ExceptionActionError("name the person to assign the item to")
    _apply(
        conn, item_id, metrics, actor=actor, at=at, action="exception.assign",
        assignments="assignee = %(assignee)s, status = 'acknowledged'",
        params={"assignee": assignee.strip()}, details={"assignee": assignee.strip()},
    )  # fmt: skip


def resolve(
    conn: psycopg.Connection[Any],
    item_id: int,
    *,
    note: str,
    actor: str,
    at: datetime,
    metrics: Collection[str] | None = None,
) -> None:
    """Close an open item with a note saying what was done."""
    if not note.strip():
        raise ExceptionActionError("say what was done in a note to resolve the item")
    _apply(
        conn, item_id, metrics, actor=actor, at=at, action="exception.resolve",
        assignments="status = 'resolved', resolved_at = %(at)s, note = %(note)s",
        params={"note": note.strip()}, details={"note": note.strip()},
    )  # fmt: skip


def _apply(
    conn: psycopg.Connection[Any],
    item_id: int,
    metrics: Collection[str] | None,
    *,
    actor: str,
    at: datetime,
    action: str,
    assignments: str,
    params: dict[str, Any],
    details: dict[str, Any],
) -> None:
    with conn.transaction():
        row = conn.execute(
            f"UPDATE exception_item SET {assignments} "
            "WHERE id = %(id)s AND resolved_at IS NULL "
            "AND (%(metrics)s::text[] IS NULL OR metric = ANY (%(metrics)s::text[])) "
            "RETURNING metric, system, object_type, external_id",
            {"id": item_id, "at": at, "metrics": list(metrics) if metrics else None, **params},
        ).fetchone()
        if row is None:
            raise ExceptionActionError(
                f"exception item {item_id} is not open (or not yours to change)"
            )
        metric, system, object_type, external_id = row
        record_action(
            conn, actor=actor, action=action, target_type="exception_item",
            target_id=str(item_id), at=at,
            details={"metric": metric, "record": f"{system}/{object_type}/{external_id}",
                     **details},
        )  # fmt: skip
