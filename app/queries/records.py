"""Record view reads: one record in every system side by side, and its middleware log trail."""

from __future__ import annotations

from typing import Final

from app.queries.core import Frame, Query, Window, load
from core.roles import Identity

# Every (system, object type) the store holds; lookups go through the primary key or the
# per-type link indexes, one lateral probe per type.
OBJECT_TYPES: Final = (
    "VALUES ('salesforce', 'account'), ('salesforce', 'amendment'), ('stripe', 'customer'), "
    "('stripe', 'subscription'), ('stripe', 'subscription_change'), ('stripe', 'invoice'), "
    "('netsuite', 'customer'), ('netsuite', 'invoice'), ('zendesk', 'organization'), "
    "('zendesk', 'ticket')"
)
_COLUMNS = (
    "r.system, r.object_type, r.external_id, r.account_ref, r.link_ref, r.parent_ref, r.name, "
    "r.status, r.amount_minor, r.currency, r.created_at, r.updated_at, r.approved_at, "
    "r.finalized_at, r.paid_at, r.voided_at, r.is_deleted, r.last_changed_at"
)

RECORD = Query(
    "records.record",
    "record",
    f"""
    SELECT {_COLUMNS}, r.payload
    FROM ({OBJECT_TYPES}) AS t (system, object_type)
    JOIN source_record r ON r.system = t.system AND r.object_type = t.object_type
    WHERE t.system = %(record_system)s AND r.external_id = %(record_id)s
    """,
)
# The record's own row (by primary key, one probe per object type of its system).
_ME = f"""
    SELECT r.external_id, r.link_ref, r.parent_ref, r.account_ref, r.object_type
    FROM ({OBJECT_TYPES}) AS t (system, object_type)
    JOIN source_record r ON r.system = t.system AND r.object_type = t.object_type
    WHERE t.system = %(record_system)s AND r.external_id = %(record_id)s
"""
# Rows this record references or that reference it (primary key and link_ref index probes),
# and the account's customers in every system (account_ref index probes).
RELATED = Query(
    "records.related",
    "record",
    f"""
    WITH me AS ({_ME}),
    k AS (
        SELECT COALESCE(array_agg(DISTINCT x) FILTER (WHERE x IS NOT NULL), '{{}}') AS keys
        FROM me CROSS JOIN LATERAL (VALUES (me.external_id), (me.link_ref), (me.parent_ref)) v (x)
    ),
    a AS (
        SELECT COALESCE(array_agg(DISTINCT account_ref) FILTER (WHERE account_ref IS NOT NULL),
                        '{{}}') AS accounts
        FROM me
    )
    SELECT DISTINCT {_COLUMNS}
    FROM ({OBJECT_TYPES}) AS t (system, object_type)
    CROSS JOIN k CROSS JOIN a
    CROSS JOIN LATERAL (
        SELECT r.system, r.object_type, r.external_id FROM source_record r
        WHERE r.system = t.system AND r.object_type = t.object_type
          AND r.external_id = ANY (k.keys || a.accounts)
        UNION
        SELECT r.system, r.object_type, r.external_id FROM source_record r
        WHERE r.system = t.system AND r.object_type = t.object_type AND r.link_ref = ANY (k.keys)
        UNION
        SELECT r.system, r.object_type, r.external_id FROM source_record r
        WHERE r.system = t.system AND r.object_type = t.object_type
          AND t.object_type IN ('account', 'customer', 'organization')
          AND r.account_ref = ANY (a.accounts)
    ) hit
    JOIN source_record r ON (r.system, r.object_type, r.external_id)
                          = (hit.system, hit.object_type, hit.external_id)
    WHERE NOT (r.system = %(record_system)s AND r.external_id = %(record_id)s)
    ORDER BY r.system, r.object_type, r.external_id
    LIMIT 200
    """,
)
TRAIL = Query(
    "records.trail",
    "record",
    f"""
    WITH me AS ({_ME}),
    keys AS (
        SELECT DISTINCT k FROM me
        CROSS JOIN LATERAL (VALUES (me.external_id), (me.link_ref),
            (CASE WHEN me.object_type IN ('customer', 'organization') THEN me.account_ref END)
        ) v (k)
        WHERE k IS NOT NULL
        UNION SELECT %(record_id)s
    ),
    correlations AS (
        SELECT DISTINCT e.correlation_id
        FROM keys CROSS JOIN unnest(%(all_flows)s::text[]) AS f (flow)
        JOIN sync_event e ON e.flow = f.flow AND e.source_id = keys.k
        WHERE e.correlation_id IS NOT NULL
    )
    SELECT e.ts, e.flow, e.correlation_id, e.status, e.attempt, e.source_system, e.source_id,
           e.target_system, e.target_id, e.error_code, e.error_message, e.duration_ms
    FROM correlations c JOIN sync_event e ON e.correlation_id = c.correlation_id
    ORDER BY e.ts, e.attempt
    LIMIT 500
    """,
)
EXCEPTIONS = Query(
    "records.exceptions",
    "record",
    """
    SELECT id, metric, labels, status, amount_minor, currency, since, first_seen, last_seen,
           resolved_at, assignee, note
    FROM exception_item
    WHERE system = %(record_system)s AND external_id = %(record_id)s
    ORDER BY resolved_at NULLS FIRST, first_seen DESC
    """,
)


def record(identity: Identity | None, window: Window, system: str, record_id: str) -> Frame:
    """The record itself (one row per object type holding that id)."""
    return load(identity, RECORD, window.params(record_system=system, record_id=record_id))


def related(identity: Identity | None, window: Window, system: str, record_id: str) -> Frame:
    """The same business object's rows in the other systems."""
    return load(identity, RELATED, window.params(record_system=system, record_id=record_id))


def trail(
    identity: Identity | None, window: Window, system: str, record_id: str, flows: list[str]
) -> Frame:
    """The middleware attempts about this record, grouped by correlation id."""
    return load(
        identity,
        TRAIL,
        window.params(record_system=system, record_id=record_id, all_flows=flows),
    )


def exceptions(identity: Identity | None, window: Window, system: str, record_id: str) -> Frame:
    """Exception items (open and past) about this record."""
    return load(identity, EXCEPTIONS, window.params(record_system=system, record_id=record_id))


def query_list(
    flows: list[str], system: str, record_id: str
) -> list[tuple[Query, dict[str, object]]]:
    """Every record-view query for one record (for the benchmark)."""
    keys: dict[str, object] = {"record_system": system, "record_id": record_id}
    return [
        (RECORD, keys),
        (RELATED, keys),
        (TRAIL, {**keys, "all_flows": flows}),
        (EXCEPTIONS, keys),
    ]
