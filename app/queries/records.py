"""Record view reads: one record in every system side by side, and its middleware log trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from app.queries.core import Frame, Query, Window, load
from app.queries.finance import FINANCE_METRICS, LAG_FLOWS
from app.queries.names import names_join
from app.queries.revops import ACCOUNT_ITEMS
from core.config.flows import FLOW_NAMES
from core.roles import Identity

ObjectType = tuple[str, str]

# Every (system, object type) the store holds; lookups go through the primary key or the
# per-type link indexes, one lateral probe per type of the reader's scope.
OBJECT_TYPES: Final[tuple[ObjectType, ...]] = (
    ("salesforce", "account"), ("salesforce", "amendment"), ("stripe", "customer"),
    ("stripe", "subscription"), ("stripe", "subscription_change"), ("stripe", "invoice"),
    ("netsuite", "customer"), ("netsuite", "invoice"), ("zendesk", "organization"),
    ("zendesk", "ticket"),
)  # fmt: skip
SCOPE_TABLE: Final = "unnest(%(scope_systems)s::text[], %(scope_objects)s::text[])"


@dataclass(frozen=True, slots=True)
class RecordScope:
    """What a role may open in the record view: the objects, flows and metrics of its pages."""

    objects: frozenset[ObjectType]
    flows: frozenset[str]
    metrics: frozenset[str] | None  # None: every metric

    def __or__(self, other: RecordScope) -> RecordScope:
        metrics = (
            None if self.metrics is None or other.metrics is None else self.metrics | other.metrics
        )
        return RecordScope(self.objects | other.objects, self.flows | other.flows, metrics)


EVERYTHING: Final = RecordScope(frozenset(OBJECT_TYPES), frozenset(FLOW_NAMES), None)
NOTHING: Final = RecordScope(frozenset(), frozenset(), frozenset())
# Finance reads invoices and their posting; RevOps accounts, customers and amendments with
# their subscriptions; executives (whose largest risks may be any of those), integration
# engineers and admins every record (Zendesk included).
ROLE_SCOPES: Final[dict[str, RecordScope]] = {
    "finance": RecordScope(
        frozenset({("stripe", "invoice"), ("netsuite", "invoice")}),
        frozenset(LAG_FLOWS),
        frozenset(FINANCE_METRICS),
    ),
    "revops": RecordScope(
        frozenset({
            ("salesforce", "account"), ("salesforce", "amendment"), ("stripe", "customer"),
            ("stripe", "subscription"), ("stripe", "subscription_change"),
            ("netsuite", "customer"),
        }),
        frozenset({"account_crm_to_erp", "account_crm_to_billing", "amendment_crm_to_billing"}),
        frozenset({*ACCOUNT_ITEMS, "stuck_amendments"}),
    ),
    "executive": EVERYTHING,
    "integration": EVERYTHING,
    "admin": EVERYTHING,
}  # fmt: skip


def scope_of(identity: Identity | None) -> RecordScope:
    """The union of the scopes of ``identity``'s roles (nothing for no identity)."""
    scope = NOTHING
    for role in identity.roles if identity is not None else ():
        scope = scope | ROLE_SCOPES.get(role, NOTHING)
    return scope


def scope_params(scope: RecordScope) -> dict[str, object]:
    """The scope as the query parameters every record-view query filters on."""
    objects = [o for o in OBJECT_TYPES if o in scope.objects]
    return {
        "scope_systems": [s for s, _ in objects],
        "scope_objects": [t for _, t in objects],
        "scope_flows": [f for f in FLOW_NAMES if f in scope.flows],
        "scope_all_metrics": scope.metrics is None,
        "scope_metrics": sorted(scope.metrics or ()),
    }


_COLUMNS = (
    "r.system, r.object_type, r.external_id, r.account_ref, r.link_ref, r.parent_ref, r.name, "
    "r.status, r.amount_minor, r.currency, r.created_at, r.updated_at, r.approved_at, "
    "r.finalized_at, r.paid_at, r.voided_at, r.is_deleted, r.last_changed_at, "
    "names.customer_name"
)
_NAMES = names_join("r.system", "r.object_type", "r.external_id")

RECORD = Query(
    "records.record",
    "record",
    f"""
    SELECT {_COLUMNS}, r.payload
    FROM {SCOPE_TABLE} AS t (system, object_type)
    JOIN source_record r ON r.system = t.system AND r.object_type = t.object_type
    {_NAMES}
    WHERE t.system = %(record_system)s AND r.external_id = %(record_id)s
    """,
)
# The record's own row (by primary key, one probe per object type of its system).
_ME = f"""
    SELECT r.external_id, r.link_ref, r.parent_ref, r.account_ref, r.object_type
    FROM {SCOPE_TABLE} AS t (system, object_type)
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
    FROM {SCOPE_TABLE} AS t (system, object_type)
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
    {_NAMES}
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
        FROM keys CROSS JOIN unnest(%(scope_flows)s::text[]) AS f (flow)
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
    f"""
    SELECT id, metric, labels, status, amount_minor, currency, since, first_seen, last_seen,
           resolved_at, assignee, note
    FROM exception_item
    WHERE system = %(record_system)s AND external_id = %(record_id)s
      AND (%(scope_all_metrics)s OR metric = ANY (%(scope_metrics)s::text[]))
      AND (system, object_type) IN (SELECT * FROM {SCOPE_TABLE})
    ORDER BY resolved_at NULLS FIRST, first_seen DESC
    """,
)

# One exception item by its number or fingerprint (a deep link), within the reader's scope.
ITEM = Query(
    "records.item",
    "record",
    f"""
    SELECT i.id, i.fingerprint, i.metric, i.labels ->> 'age_bucket' AS age_bucket, i.system,
           i.object_type, i.external_id, i.amount_minor, i.currency, i.status, i.assignee,
           i.note, i.since, i.first_seen, i.resolved_at, names.record_name, names.customer_name
    FROM exception_item i
    {names_join("i.system", "i.object_type", "i.external_id")}
    WHERE (i.fingerprint = %(item_key)s OR i.id = %(item_number)s::bigint)
      AND (%(scope_all_metrics)s OR i.metric = ANY (%(scope_metrics)s::text[]))
      AND (i.system, i.object_type) IN (SELECT * FROM {SCOPE_TABLE})
    ORDER BY i.id
    LIMIT 1
    """,
)


def _params(
    identity: Identity | None, window: Window, system: str, record_id: str
) -> dict[str, object]:
    return window.params(
        record_system=system, record_id=record_id, **scope_params(scope_of(identity))
    )


def record(identity: Identity | None, window: Window, system: str, record_id: str) -> Frame:
    """The record itself (one row per object type holding that id), within the reader's scope."""
    return load(identity, RECORD, _params(identity, window, system, record_id))


def related(identity: Identity | None, window: Window, system: str, record_id: str) -> Frame:
    """The same business object's rows in the other systems, within the reader's scope."""
    return load(identity, RELATED, _params(identity, window, system, record_id))


def trail(identity: Identity | None, window: Window, system: str, record_id: str) -> Frame:
    """The middleware attempts about this record on the reader's flows, by correlation id."""
    return load(identity, TRAIL, _params(identity, window, system, record_id))


def exceptions(identity: Identity | None, window: Window, system: str, record_id: str) -> Frame:
    """Exception items (open and past) about this record on the reader's metrics."""
    return load(identity, EXCEPTIONS, _params(identity, window, system, record_id))


def item(identity: Identity | None, window: Window, key: str) -> Frame:
    """The exception item numbered or fingerprinted ``key``, if the reader's scope holds it."""
    number = int(key) if key.isdigit() and len(key) < 19 else None
    params = window.params(item_key=key, item_number=number, **scope_params(scope_of(identity)))
    return load(identity, ITEM, params)


def query_list(system: str, record_id: str) -> list[tuple[Query, dict[str, object]]]:
    """Every record-view query for one record as an integration engineer reads it (benchmark)."""
    keys = {"record_system": system, "record_id": record_id, **scope_params(EVERYTHING)}
    return [(RECORD, keys), (RELATED, keys), (TRAIL, keys), (EXCEPTIONS, keys)]
