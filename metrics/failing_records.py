"""Records still failing to sync, grouped by the error their target system returned.

A record is failing in a flow when its latest middleware attempt there failed or was
dead-lettered (any later attempt, a success or a retry, clears it, as for posting failures) and
it is still an open backlog item of the flow (not yet in its target). Only records whose latest
attempt falls in the page's time range are read: failed attempts are a small share of the log,
read through their partial index, so the cost follows the failures of the time range rather
than the size of the log. A group is the target system and its
error code; its money is that of its records (an invoice's total, an amendment's value, an
account's ARR), each record counted once per currency even when it fails in two flows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from core.store.record_names import names_join
from metrics.flows import FLOWS

# The window's failed attempts (read through their partial index, and fenced so the planner
# starts from them, a small share of the log), kept when no later attempt of the record in the
# flow exists (an index-only probe) and the record is still an open backlog item of the flow
# (whose money it carries).
# ``group_system`` narrows them to one group: that target system and ``error_code`` (none for
# attempts without a code).
_FAILING = """
    WITH failed AS MATERIALIZED (
        SELECT s.flow, s.source_system, s.source_id, s.target_system, s.status,
               s.attempt, s.ts, s.error_code, s.error_message, s.correlation_id
        FROM sync_event s
        WHERE s.flow = ANY (%(all_flows)s::text[]) AND s.ts > %(since)s AND s.ts <= %(until)s
          AND s.status IN ('failed', 'dead_letter')
          AND (%(flow)s::text IS NULL OR s.flow = %(flow)s)
          AND (%(system)s::text IS NULL OR %(system)s::text IN (s.source_system, s.target_system))
          AND (%(group_system)s::text IS NULL
               OR (s.target_system = %(group_system)s
                   AND s.error_code IS NOT DISTINCT FROM %(error_code)s::text))
    )
    SELECT e.flow, e.source_system, f.object_type, e.source_id, e.target_system, e.status,
           e.attempt, e.ts, e.error_code, e.error_message, e.correlation_id,
           b.amount_minor, b.currency
    FROM failed e
    JOIN unnest(%(all_flows)s::text[], %(flow_objects)s::text[]) AS f (flow, object_type)
      ON f.flow = e.flow
    JOIN exception_item b
      ON b.system = e.source_system AND b.object_type = f.object_type
     AND b.external_id = e.source_id AND b.metric = 'sync_backlog' AND b.resolved_at IS NULL
     AND b.labels ->> 'flow' = e.flow
    WHERE NOT EXISTS (
        SELECT 1 FROM sync_event l
        WHERE l.flow = e.flow AND l.source_id = e.source_id
          AND l.ts > e.ts AND l.ts <= %(until)s
    )
"""

GROUPS: Final = f"""
    WITH failing AS ({_FAILING}),
    per_record AS (
        SELECT target_system, error_code, source_system, source_id,
               max(currency) AS currency, max(amount_minor) AS amount_minor
        FROM failing
        GROUP BY target_system, error_code, source_system, source_id
    ),
    money AS (
        SELECT target_system, error_code, jsonb_object_agg(currency, amount_minor) AS amounts
        FROM (
            SELECT target_system, error_code, currency, sum(amount_minor) AS amount_minor
            FROM per_record
            WHERE currency IS NOT NULL AND amount_minor IS NOT NULL
            GROUP BY target_system, error_code, currency
        ) c
        GROUP BY target_system, error_code
    ),
    groups AS (
        SELECT target_system, error_code,
               count(DISTINCT (source_system, source_id)) AS records, count(*) AS failures,
               array_agg(DISTINCT flow ORDER BY flow) AS flows,
               min(ts) AS first_seen, max(ts) AS last_seen,
               (array_agg(error_message ORDER BY ts DESC, source_id))[1] AS latest_message
        FROM failing
        GROUP BY target_system, error_code
    )
    SELECT g.target_system AS system, g.error_code, g.records, g.failures, g.flows,
           g.first_seen, g.last_seen, g.latest_message,
           coalesce(m.amounts, '{{}}'::jsonb) AS amounts
    FROM groups g
    LEFT JOIN money m
           ON m.target_system = g.target_system AND m.error_code IS NOT DISTINCT FROM g.error_code
    ORDER BY g.records DESC, g.last_seen DESC, g.target_system, g.error_code
    """
# The group's records, largest money first; only those shown are given their names.
RECORDS: Final = f"""
    WITH failing AS ({_FAILING})
    SELECT r.flow, r.source_system, r.object_type, r.source_id, names.record_name,
           names.customer_name, r.amount_minor, r.currency, r.ts AS failed_at, r.status,
           r.attempt, r.target_system, r.error_code, r.error_message, r.correlation_id
    FROM (
        SELECT * FROM failing
        ORDER BY abs(amount_minor) DESC NULLS LAST, ts DESC, flow, source_id
        LIMIT %(limit)s
    ) r
    {names_join("r.source_system", "r.object_type", "r.source_id")}
    ORDER BY abs(r.amount_minor) DESC NULLS LAST, r.ts DESC, r.flow, r.source_id
    """


def flow_params(
    flows: Sequence[str], group: tuple[str, str | None] | None = None
) -> dict[str, object]:
    """The flows to read, the kind of record each one moves and the one group to read (all
    groups without one)."""
    known = [d for d in FLOWS.values() if d.name in flows]
    return {
        "all_flows": [d.name for d in known],
        "flow_objects": [d.source_object for d in known],
        "group_system": None if group is None else group[0],
        "error_code": None if group is None else group[1],
    }
