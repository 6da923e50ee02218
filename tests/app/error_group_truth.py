"""The integration page's error groups computed another way, as the truth tests compare with.

Each (flow, record)'s latest attempt is found with DISTINCT ON over the whole log (the page's
query reads failed attempts first, through their index), kept when it failed within the time
range and the record is still an open backlog item of the flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from app.queries.core import Window

_FAILING = """
WITH latest AS (
    SELECT DISTINCT ON (flow, source_id) *
    FROM sync_event WHERE ts <= %(until)s
    ORDER BY flow, source_id, ts DESC, id DESC
), failing AS (
    SELECT l.*, b.amount_minor, b.currency
    FROM latest l
    JOIN exception_item b ON b.metric = 'sync_backlog' AND b.resolved_at IS NULL
     AND b.system = l.source_system AND b.external_id = l.source_id
     AND b.labels ->> 'flow' = l.flow
    WHERE l.status IN ('failed', 'dead_letter') AND l.ts > %(since)s
)
"""
_GROUPS = (
    _FAILING
    + """
SELECT target_system, error_code, count(*) AS failures,
       count(DISTINCT (source_system, source_id)) AS records,
       (SELECT coalesce(jsonb_object_agg(currency, amount), '{}') FROM (
            SELECT currency, sum(amount_minor) AS amount FROM (
                SELECT DISTINCT source_system, source_id, amount_minor, currency FROM failing g
                WHERE g.target_system = f.target_system
                  AND g.error_code IS NOT DISTINCT FROM f.error_code
                  AND g.currency IS NOT NULL) r
            GROUP BY currency) c) AS amounts
FROM failing f GROUP BY target_system, error_code
"""
)


@dataclass(frozen=True, slots=True)
class Group:
    """One group as the truth has it: failing (flow, record) pairs, records, money."""

    failures: int
    records: int
    amounts: dict[str, int]


def expected_groups(
    conn: psycopg.Connection[Any], window: Window
) -> dict[tuple[str, str | None], Group]:
    """Every group of failing records in ``window``, by (target system, error code)."""
    rows = conn.execute(_GROUPS, window.params()).fetchall()
    return {
        (system, code): Group(
            int(failures), int(records), {c.strip(): int(a) for c, a in money.items()}
        )
        for system, code, failures, records, money in rows
    }


def expected_records(
    conn: psycopg.Connection[Any], window: Window, system: str, code: str | None
) -> list[tuple[str, int, str]]:
    """The failing (record id, amount in minor units, currency) of one group, one per flow."""
    rows = conn.execute(
        _FAILING + "SELECT source_id, amount_minor, currency FROM failing "
        "WHERE target_system = %(system)s AND error_code IS NOT DISTINCT FROM %(code)s::text",
        {**window.params(), "system": system, "code": code},
    ).fetchall()
    return [(str(i), int(a), str(c).strip()) for i, a, c in rows]
