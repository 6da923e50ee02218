"""The money of open business problems, as the executive and finance first screens total it.

A *risk* is a record with an open business problem: an item of the finance or RevOps team's
metrics (an invoice not posted or not matching, a payment not applied, an account without a
customer, an orphan or duplicate customer, a stuck amendment) that carries money. A record
listed by several of them is one risk, at its largest amount, so no money is counted twice.
"A week ago" is seven days before the latest compute; a record was at risk then when its problem
had been found by then and was not yet resolved.

*Unposted money* is that of the open posting failures and silent misses (invoices and payments)
per age bucket and currency.
"""

from __future__ import annotations

from typing import Final

from metrics.exception_teams import PROBLEM_ORDER

RISK_PARAMS: Final = {"problems": list(PROBLEM_ORDER)}

# The sidebar's flow and system filters, as every risk read applies them.
FILTERS: Final = """
      AND (%(flow)s::text IS NULL OR labels ->> 'flow' IS NULL OR labels ->> 'flow' = %(flow)s)
      AND (%(system)s::text IS NULL OR system = %(system)s
           OR labels ->> 'system' = %(system)s)"""

# Money at risk per currency now and a week ago (each record once, at its largest amount), how
# many records, and how many became a risk or stopped being one in between: the problems' open
# items (from the open-money index alone) and those resolved within the week.
_RISK_ITEMS = f"""
          AND metric = ANY (%(problems)s::text[]) AND amount_minor IS NOT NULL
          AND currency IS NOT NULL AND first_seen <= %(until)s{FILTERS}"""
RISK_TOTALS: Final = f"""
    WITH item AS (
        SELECT system, object_type, external_id, currency::text AS currency,
               abs(amount_minor) AS amount, true AS open_now,
               first_seen <= %(prior)s AS open_before
        FROM exception_item
        WHERE resolved_at IS NULL{_RISK_ITEMS}
        UNION ALL
        SELECT system, object_type, external_id, currency::text, abs(amount_minor),
               resolved_at > %(until)s, first_seen <= %(prior)s
        FROM exception_item
        WHERE resolved_at > %(prior)s{_RISK_ITEMS}
    ), risk AS (
        SELECT currency, max(amount) FILTER (WHERE open_now) AS now,
               max(amount) FILTER (WHERE open_before) AS before
        FROM item
        GROUP BY system, object_type, external_id, currency
    )
    SELECT currency, count(now) AS records, coalesce(sum(now), 0) AS amount_minor,
           count(before) AS records_before, coalesce(sum(before), 0) AS amount_before,
           count(*) FILTER (WHERE now IS NOT NULL AND before IS NULL) AS new,
           count(*) FILTER (WHERE now IS NULL AND before IS NOT NULL) AS fixed
    FROM risk
    GROUP BY currency
    ORDER BY currency
    """

FAILURE_METRICS: Final = [
    "posting_failures",
    "silent_misses",
    "payment_posting_failures",
    "payment_silent_misses",
]
UNPOSTED_PARAMS: Final = {"failure_metrics": FAILURE_METRICS}
UNPOSTED: Final = """
    SELECT metric, labels ->> 'age_bucket' AS age_bucket, currency, count(*) AS items,
           sum(abs(amount_minor)) AS amount_minor
    FROM exception_item
    WHERE resolved_at IS NULL AND metric = ANY (%(failure_metrics)s::text[])
    GROUP BY metric, labels ->> 'age_bucket', currency
    ORDER BY metric, age_bucket, currency
    """
