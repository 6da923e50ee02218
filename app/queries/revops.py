"""RevOps reads: unmatched, orphan and duplicate accounts with their money and best match
suggestion, totals per problem, and stuck amendments.

Lists read the largest ``LIST_LIMIT`` rows of each currency (whatever the rates, the overall
largest are among them), in the order of the open-items index, for the page to rank by their
value in the reporting currency; the currencies are those the totals found.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from app.queries import fx
from app.queries.core import Frame, Query, Window, load
from app.queries.metric_sql import LATEST_WITH_PRIOR, OPEN_ITEMS
from app.queries.names import names_join
from core.fx.rates import RateDay
from core.roles import Identity

ACCOUNT_ITEMS: Final = ["unmatched_accounts", "orphan_customers", "duplicate_customers"]
LIST_LIMIT: Final = 25
# Each problem's count and money series (accounts' ARR), per system and currency.
PROBLEM_SERIES: Final = {
    "unmatched_accounts": "unmatched_accounts_arr",
    "orphan_customers": "orphan_customers_amount",
    "duplicate_customers": "duplicate_customers_amount",
    "stuck_amendments": "stuck_amendments_amount",
}
OLDEST: Final = "sync_backlog_oldest_seconds"
TOTAL_PARAMS: Final = {"names": [*PROBLEM_SERIES, *PROBLEM_SERIES.values(), OLDEST]}

# An unmatched account's item is the CRM account, its label the system it has no customer in;
# an orphan's or a duplicate's item is the customer itself. The system filter matches either.
_SYSTEM = """
      AND (%(system)s::text IS NULL OR i.system = %(system)s
           OR i.labels ->> 'system' = %(system)s)"""
_GAP_COLUMNS = """
    SELECT i.id, i.metric, i.system, i.object_type, i.external_id,
           coalesce(i.labels ->> 'system', i.system) AS gap_system,
           abs(i.amount_minor) AS amount_minor, i.currency::text AS currency,
           i.since, i.status, i.assignee
    FROM exception_item i"""

# Each gap with its names, its best suggestion (an unmatched account's best customer in that
# system; an orphan customer's best account) and the match confirmed for it, if any: a gap
# still open with a confirmed match closes at the next compute, which links the pair. The gaps
# are each problem's largest of each of ``currencies`` and the first without money, in the
# open-items index order.
GAPS = Query(
    "revops.gaps",
    "revops",
    f"""
    WITH top AS (
        SELECT g.*
        FROM unnest(%(metrics)s::text[]) AS m (metric)
        CROSS JOIN unnest(%(currencies)s::text[]) AS c (currency)
        CROSS JOIN LATERAL ({_GAP_COLUMNS}
            WHERE i.resolved_at IS NULL AND i.metric = m.metric AND i.currency = c.currency
              AND i.amount_minor IS NOT NULL{_SYSTEM}
            ORDER BY abs(i.amount_minor) DESC NULLS LAST, i.id
            LIMIT %(limit)s
        ) g
        UNION ALL
        SELECT g.*
        FROM unnest(%(metrics)s::text[]) AS m (metric)
        CROSS JOIN LATERAL ({_GAP_COLUMNS}
            WHERE i.resolved_at IS NULL AND i.metric = m.metric
              AND abs(i.amount_minor) IS NULL{_SYSTEM}
            ORDER BY abs(i.amount_minor) DESC NULLS LAST, i.id
            LIMIT %(limit)s
        ) g
    )
    SELECT t.id, t.metric, t.system, t.object_type, t.external_id, t.gap_system,
           t.amount_minor, t.currency, t.since, t.status, t.assignee,
           names.record_name, names.customer_name,
           coalesce(a.crm_account_id, o.crm_account_id) AS match_account_id,
           coalesce(a.customer_id, o.customer_id) AS match_customer_id,
           coalesce(a.score, o.score) AS match_score,
           coalesce(a.method, o.method) AS match_method,
           coalesce(a.reason, o.reason) AS match_reason,
           ma.name AS match_account_name, mc.name AS match_customer_name,
           d.crm_account_id AS linked_account_id, d.customer_id AS linked_customer_id,
           d.decided_by AS linked_by, d.decided_at AS linked_at
    FROM top t
    {names_join("t.system", "t.object_type", "t.external_id")}
    LEFT JOIN LATERAL (
        SELECT m.crm_account_id, m.customer_id, m.score, m.method, m.reason
        FROM match_suggestion m
        WHERE t.metric = 'unmatched_accounts' AND m.system = t.gap_system
          AND m.crm_account_id = t.external_id
        ORDER BY m.score DESC, m.customer_id
        LIMIT 1
    ) a ON true
    LEFT JOIN LATERAL (
        SELECT m.crm_account_id, m.customer_id, m.score, m.method, m.reason
        FROM match_suggestion m
        WHERE t.metric = 'orphan_customers' AND m.system = t.system
          AND m.customer_id = t.external_id
        ORDER BY m.score DESC, m.crm_account_id
        LIMIT 1
    ) o ON true
    LEFT JOIN LATERAL (
        SELECT r.name FROM source_record r
        WHERE r.system = 'salesforce' AND r.object_type = 'account'
          AND r.external_id = coalesce(a.crm_account_id, o.crm_account_id)
        LIMIT 1
    ) ma ON true
    LEFT JOIN LATERAL (
        SELECT r.name FROM source_record r
        WHERE r.system = t.gap_system AND r.object_type = 'customer'
          AND r.external_id = coalesce(a.customer_id, o.customer_id)
        LIMIT 1
    ) mc ON true
    LEFT JOIN LATERAL (
        SELECT l.crm_account_id, l.customer_id, l.decided_by, l.decided_at
        FROM account_link l
        WHERE l.decision = 'confirmed'
          AND ((t.metric = 'unmatched_accounts' AND l.system = t.gap_system
                AND l.crm_account_id = t.external_id)
               OR (t.metric <> 'unmatched_accounts' AND l.system = t.system
                   AND l.customer_id = t.external_id))
        ORDER BY l.decided_at DESC
        LIMIT 1
    ) d ON true
    """,
)

# Each problem's open items per system and their money per currency as the latest compute
# counted them, and how long the oldest approved amendment has waited for billing.
TOTALS = Query("revops.totals", "revops", LATEST_WITH_PRIOR)
# The accounts without a customer, each once however many systems it is missing in, with their
# ARR per currency (from the open-money index alone).
ACCOUNTS = Query(
    "revops.accounts",
    "revops",
    """
    SELECT currency, count(*) AS records, sum(arr) AS amount_minor
    FROM (
        SELECT currency::text AS currency, max(abs(amount_minor)) AS arr
        FROM exception_item i
        WHERE i.resolved_at IS NULL AND i.metric = 'unmatched_accounts'
          AND (%(system)s::text IS NULL OR i.system = %(system)s
               OR i.labels ->> 'system' = %(system)s)
        GROUP BY system, object_type, external_id, currency
    ) a
    GROUP BY currency
    ORDER BY currency NULLS LAST
    """,
)
ITEMS = Query("revops.items", "revops", OPEN_ITEMS)
# The largest stuck amendments of each of ``currencies`` and the first without a value, with
# hours past their SLA.
STUCK = Query(
    "revops.stuck",
    "revops",
    f"""
    SELECT s.id, s.fingerprint, s.system, s.object_type, s.external_id, s.amount_minor,
           s.currency, s.related ->> 'approved_at' AS approved_at,
           extract(epoch FROM %(until)s - s.since) / 3600.0 AS hours_past_sla,
           s.status, s.assignee, s.note, names.record_name, names.customer_name
    FROM (
        SELECT i.* FROM unnest(%(currencies)s::text[]) AS c (currency)
        CROSS JOIN LATERAL (
            SELECT * FROM exception_item i
            WHERE i.resolved_at IS NULL AND i.metric = 'stuck_amendments'
              AND i.currency = c.currency AND i.amount_minor IS NOT NULL
            ORDER BY abs(i.amount_minor) DESC NULLS LAST, i.id
            LIMIT %(limit)s
        ) i
        UNION ALL
        (SELECT * FROM exception_item i
         WHERE i.resolved_at IS NULL AND i.metric = 'stuck_amendments'
           AND abs(i.amount_minor) IS NULL
         ORDER BY abs(i.amount_minor) DESC NULLS LAST, i.id
         LIMIT %(limit)s)
    ) s
    {names_join("s.system", "s.object_type", "s.external_id")}
    """,
)
FX_RATES = fx.rates_query("revops")


def totals(identity: Identity | None, window: Window) -> Frame:
    """Each problem's count per system and money per currency at the latest compute."""
    return load(identity, TOTALS, window.params(**TOTAL_PARAMS))


def accounts(identity: Identity | None, window: Window) -> Frame:
    """Accounts without a customer, each once, and their ARR per currency."""
    return load(identity, ACCOUNTS, window.params())


def currencies(totals_frame: Frame, metrics: list[str]) -> list[str]:
    """The currencies ``metrics`` carry money in, by ``totals``."""
    money = {PROBLEM_SERIES[m] for m in metrics}
    return sorted(
        {
            str(labels["currency"])
            for name, labels, value in zip(
                totals_frame["name"], totals_frame["labels"], totals_frame["value"], strict=True
            )
            if name in money and value
        }
    )


def gaps(identity: Identity | None, window: Window, codes: list[str]) -> Frame:
    """Each problem's largest open gaps of each currency in ``codes`` (and the first without
    money), with their best match suggestion."""
    return load(identity, GAPS, window.params(**gap_params(codes)))


def gap_params(codes: list[str]) -> dict[str, Any]:
    """``GAPS``' parameters for the currencies ``codes``."""
    return {"metrics": ACCOUNT_ITEMS, "currencies": codes, "limit": LIST_LIMIT}


def items(identity: Identity | None, window: Window) -> Frame:
    """Open unmatched, orphan and duplicate account items."""
    return load(identity, ITEMS, window.params(metrics=ACCOUNT_ITEMS))


def stuck(identity: Identity | None, window: Window, codes: list[str]) -> Frame:
    """The largest open stuck amendments of each currency in ``codes``, with their value and
    hours past their SLA."""
    return load(identity, STUCK, window.params(currencies=codes, limit=LIST_LIMIT))


def rates(identity: Identity | None, as_of: date) -> RateDay | None:
    """The ECB rates the page ranks and totals money at."""
    return fx.rates_on(identity, FX_RATES, as_of)


def query_list(codes: list[str]) -> list[tuple[Query, dict[str, Any]]]:
    """Every RevOps query with its extra parameters (for the benchmark)."""
    return [
        (TOTALS, TOTAL_PARAMS),
        (ACCOUNTS, {}),
        (GAPS, gap_params(codes)),
        (STUCK, {"currencies": codes, "limit": LIST_LIMIT}),
        (ITEMS, {"metrics": ACCOUNT_ITEMS}),
        (FX_RATES, {"as_of": date.max}),
    ]
