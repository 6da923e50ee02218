"""Executive reads: SLA attainment this week and last, money at risk now and a week ago, the
largest risks, each problem's money, and the weekly reports.

What a risk is, and "a week ago": metrics/open_money.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from app.queries import fx
from app.queries.core import Frame, Query, Window, load
from app.queries.metric_sql import LATEST_WITH_PRIOR
from app.queries.names import names_join
from core.fx.rates import RateDay
from core.roles import Identity
from metrics.exception_teams import PROBLEM_ORDER
from metrics.open_money import FILTERS, RISK_PARAMS
from metrics.open_money import RISK_TOTALS as RISK_TOTALS_SQL

TOP_RISKS: Final = 5
# Each problem's money as the compute counts it (per currency; accounts per system too).
PROBLEM_MONEY: Final = [
    "unmatched_accounts_arr" if m == "unmatched_accounts" else f"{m}_amount" for m in PROBLEM_ORDER
]
# A record has at most two items of one metric (an account, one per system it is missing in),
# so the largest few items of each metric and currency hold the currency's largest records.
CANDIDATES: Final = 2 * TOP_RISKS + 2

# Each flow's SLA attainment as a mean over this week (the seven days up to the latest compute)
# and the week before: hourly rollups where they exist, raw points for hours not rolled up yet.
ATTAINMENT = Query(
    "executive.attainment",
    "executive",
    """
    WITH s AS (
        SELECT id, labels ->> 'flow' AS flow FROM metric_series
        WHERE name = 'sla_attainment'
          AND (%(flow)s::text IS NULL OR labels ->> 'flow' = %(flow)s)
    ), samples AS (
        SELECT r.series_id, r.bucket AS ts, r.sum, r.count
        FROM metric_rollup r JOIN s ON s.id = r.series_id
        WHERE r.resolution = '1h'
          AND r.bucket > %(prior)s - interval '7 days' AND r.bucket <= %(until)s
        UNION ALL
        SELECT p.series_id, p.ts, p.value, 1
        FROM metric_point p JOIN s ON s.id = p.series_id
        WHERE p.ts > %(prior)s - interval '7 days' AND p.ts <= %(until)s
          AND NOT EXISTS (SELECT 1 FROM metric_rollup h
                          WHERE h.series_id = p.series_id AND h.resolution = '1h'
                            AND h.bucket = date_bin('1 hour', p.ts, 'epoch'))
    )
    SELECT s.flow,
           sum(x.sum) FILTER (WHERE x.ts > %(prior)s)
               / nullif(sum(x.count) FILTER (WHERE x.ts > %(prior)s), 0) AS this_week,
           sum(x.sum) FILTER (WHERE x.ts <= %(prior)s)
               / nullif(sum(x.count) FILTER (WHERE x.ts <= %(prior)s), 0) AS last_week
    FROM samples x JOIN s ON s.id = x.series_id
    GROUP BY s.flow
    ORDER BY s.flow
    """,
)

RISK_TOTALS = Query("executive.risk_totals", "executive", RISK_TOTALS_SQL, stored=True)

# The largest open risks of each of ``currencies``: the largest items of each problem and
# currency in the open-items index order, each record once, then its every problem (most telling
# first), when the first began, its owning team, its assignee and its names.
RISKS = Query(
    "executive.risks",
    "executive",
    f"""
    WITH candidate AS (
        SELECT i.system, i.object_type, i.external_id, c.currency, abs(i.amount_minor) AS amount
        FROM unnest(%(problems)s::text[]) AS m (metric)
        CROSS JOIN unnest(%(currencies)s::text[]) AS c (currency)
        CROSS JOIN LATERAL (
            SELECT system, object_type, external_id, amount_minor FROM exception_item
            WHERE resolved_at IS NULL AND metric = m.metric AND currency = c.currency
              AND amount_minor IS NOT NULL{FILTERS}
            ORDER BY abs(amount_minor) DESC NULLS LAST, id
            LIMIT %(candidates)s
        ) i
    ), ranked AS (
        SELECT system, object_type, external_id, currency, max(amount) AS amount_minor,
               row_number() OVER (PARTITION BY currency
                                  ORDER BY max(amount) DESC, external_id) AS n
        FROM candidate
        GROUP BY system, object_type, external_id, currency
    )
    SELECT r.system, r.object_type, r.external_id, r.currency, r.amount_minor, d.metrics,
           d.since, d.owner, d.assignee, names.record_name, names.customer_name
    FROM ranked r
    CROSS JOIN LATERAL (
        SELECT array_agg(e.metric ORDER BY array_position(%(problems)s::text[], e.metric))
                   AS metrics,
               min(COALESCE(e.since, e.first_seen)) AS since,
               min(e.owner) AS owner, min(e.assignee) AS assignee
        FROM exception_item e
        WHERE e.system = r.system AND e.object_type = r.object_type
          AND e.external_id = r.external_id AND e.resolved_at IS NULL
          AND e.metric = ANY (%(problems)s::text[])
    ) d
    {names_join("r.system", "r.object_type", "r.external_id")}
    WHERE r.n <= %(top)s
    """,
)
MONEY = Query("executive.problem_money", "executive", LATEST_WITH_PRIOR)
FX_RATES = fx.rates_query("executive")
REPORTS = Query(
    "executive.reports",
    "executive",
    "SELECT week, period_start, period_end, generated_at, content FROM kpi_report "
    "ORDER BY period_start DESC LIMIT 12",
)


def attainment(identity: Identity | None, window: Window) -> Frame:
    """Each flow's mean SLA attainment this week and last week."""
    return load(identity, ATTAINMENT, window.params())


def risk_totals(identity: Identity | None, window: Window) -> Frame:
    """Money at risk per currency now and a week ago, with record counts, new and fixed."""
    return load(identity, RISK_TOTALS, window.params(**RISK_PARAMS))


def risks(identity: Identity | None, window: Window, currencies: list[str]) -> Frame:
    """The ``TOP_RISKS`` largest open risks of each of ``currencies`` (to be ranked across
    them by their value)."""
    return load(identity, RISKS, window.params(**risk_params(currencies)))


def risk_params(currencies: list[str]) -> dict[str, Any]:
    """``RISKS``' parameters for ``currencies`` (those ``risk_totals`` found)."""
    return {**RISK_PARAMS, "currencies": sorted(currencies), "top": TOP_RISKS,
            "candidates": CANDIDATES}  # fmt: skip


def problem_money(identity: Identity | None, window: Window) -> Frame:
    """Each problem's money per currency (and system) at the latest compute."""
    return load(identity, MONEY, window.params(names=PROBLEM_MONEY))


def rates(identity: Identity | None, as_of: date) -> RateDay | None:
    """The ECB rates every figure of the page is converted at."""
    return fx.rates_on(identity, FX_RATES, as_of)


def reports(identity: Identity | None, window: Window) -> Frame:
    """The latest weekly KPI reports."""
    return load(identity, REPORTS, window.params())


def query_list(currencies: list[str]) -> list[tuple[Query, dict[str, Any]]]:
    """Every executive query with its extra parameters (for the benchmark)."""
    return [
        (ATTAINMENT, {}),
        (RISK_TOTALS, RISK_PARAMS),
        (RISKS, risk_params(currencies)),
        (MONEY, {"names": PROBLEM_MONEY}),
        (FX_RATES, {"as_of": date.max}),
        (REPORTS, {}),
    ]
