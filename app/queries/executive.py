"""Executive reads: KPI values with week-ago values, money at risk (per currency, and as one
total in the reporting currency at ECB rates), weekly reports."""

from __future__ import annotations

from datetime import date
from typing import Final

from app.queries import fx
from app.queries.core import Frame, Query, Window, load
from app.queries.metric_sql import LATEST_WITH_PRIOR
from core.fx.convert import FxTotal
from core.roles import Identity

KPI_METRICS: Final = [
    "sla_attainment",
    "sla_breaches",
    "sync_backlog",
    "posting_failures",
    "silent_misses",
    "amount_mismatches",
    "stuck_amendments",
    "unmatched_accounts",
]

KPIS = Query("executive.kpis", "executive", LATEST_WITH_PRIOR)
MONEY_AT_RISK = Query(
    "executive.money_at_risk",
    "executive",
    """
    SELECT metric, currency, count(*) AS items, sum(abs(amount_minor)) AS amount_minor
    FROM exception_item
    WHERE resolved_at IS NULL AND amount_minor IS NOT NULL AND currency IS NOT NULL
      AND metric = ANY (%(risk_metrics)s::text[])
    GROUP BY metric, currency
    ORDER BY currency, metric
    """,
)
FX_RATES = fx.rates_query("executive")
REPORTS = Query(
    "executive.reports",
    "executive",
    "SELECT week, period_start, period_end, generated_at, content FROM kpi_report "
    "ORDER BY period_start DESC LIMIT 12",
)

RISK_METRICS: Final = [
    "posting_failures",
    "silent_misses",
    "amount_mismatches",
    "stuck_amendments",
    "unmatched_accounts",
]


def kpis(identity: Identity | None, window: Window) -> Frame:
    """Latest and week-ago values of the headline metrics."""
    return load(identity, KPIS, window.params(names=KPI_METRICS))


def money_at_risk(identity: Identity | None, window: Window) -> Frame:
    """Open exception money per metric and currency (never summed across currencies)."""
    return load(identity, MONEY_AT_RISK, window.params(risk_metrics=RISK_METRICS))


def money_at_risk_total(
    identity: Identity | None, risk: Frame, currency: str, as_of: date
) -> FxTotal:
    """``money_at_risk``'s amounts as one total in ``currency`` at the latest ECB rates on or
    before ``as_of`` (leaving out, and naming, any currency without a rate)."""
    amounts = zip(risk["amount_minor"].astype(int), risk["currency"], strict=True)
    return fx.total(identity, FX_RATES, amounts, currency, as_of)


def reports(identity: Identity | None, window: Window) -> Frame:
    """The latest weekly KPI reports."""
    return load(identity, REPORTS, window.params())


QUERIES: Final = [
    (KPIS, {"names": KPI_METRICS}),
    (MONEY_AT_RISK, {"risk_metrics": RISK_METRICS}),
    (FX_RATES, {"as_of": date.max}),
    (REPORTS, {}),
]
