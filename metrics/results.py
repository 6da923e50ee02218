"""The machine-readable results: latest metric values and open exception items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from core.clock import format_instant


def latest_evaluation(conn: psycopg.Connection[Any], at: datetime | None = None) -> datetime | None:
    """The instant of the latest compute (at or before ``at`` when given)."""
    row = conn.execute(
        "SELECT max(ts) FROM metric_evaluation WHERE %(at)s::timestamptz IS NULL OR ts <= %(at)s",
        {"at": at},
    ).fetchone()
    return row[0] if row else None


def status_document(conn: psycopg.Connection[Any], at: datetime | None = None) -> dict[str, Any]:
    """The latest compute as ``{"evaluated_at", "metrics": [{name, labels, value, unit}]}``."""
    evaluated = latest_evaluation(conn, at)
    if evaluated is None:
        return {"evaluated_at": None, "metrics": []}
    rows = conn.execute(
        "SELECT s.name, s.labels, p.value, s.unit FROM metric_point p "
        "JOIN metric_series s ON s.id = p.series_id WHERE p.ts = %s "
        "ORDER BY s.name, s.labels::text",
        (evaluated,),
    ).fetchall()
    return {
        "evaluated_at": format_instant(evaluated),
        "metrics": [
            {"name": n, "labels": labels, "value": _number(v, unit), "unit": unit}
            for n, labels, v, unit in rows
        ],
    }


def exceptions_document(
    conn: psycopg.Connection[Any], *, metric: str | None = None, flow: str | None = None
) -> dict[str, Any]:
    """``{"evaluated_at", "exceptions": [...]}``: open items, largest amounts first (by size:
    an amount mismatch's difference is negative when the ERP holds more than billing)."""
    evaluated = latest_evaluation(conn)
    rows = conn.execute(
        """
        SELECT metric, labels, system, object_type, external_id, amount_minor, currency,
               first_seen, since, status, owner, related
        FROM exception_item
        WHERE resolved_at IS NULL
          AND (%(metric)s::text IS NULL OR metric = %(metric)s)
          AND (%(flow)s::text IS NULL OR labels ->> 'flow' = %(flow)s)
        ORDER BY metric, abs(amount_minor) DESC NULLS LAST, system, object_type, external_id
        """,
        {"metric": metric, "flow": flow},
    ).fetchall()
    return {
        "evaluated_at": format_instant(evaluated) if evaluated else None,
        "exceptions": [
            {
                "metric": m,
                "labels": labels,
                "system": system,
                "object_type": object_type,
                "external_id": external_id,
                "amount_minor": amount,
                "currency": currency,
                "first_seen": format_instant(first_seen),
                "since": format_instant(since) if since else None,
                "status": status,
                "owner": owner,
                "related": related,
            }
            for (m, labels, system, object_type, external_id, amount, currency, first_seen,
                 since, status, owner, related) in rows
        ],
    }  # fmt: skip


def _number(value: float, unit: str) -> float | int:
    """Counts and money are whole numbers; seconds and ratios stay floats."""
    return int(value) if unit in ("count", "minor") and value.is_integer() else value
