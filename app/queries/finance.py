"""Finance reads: unposted invoices by age and amount, lag trends, mismatches."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final

from app.queries import fx
from app.queries.core import Frame, Query, Window, load
from app.queries.metric_sql import HISTORY, OPEN_ITEMS
from core.fx.convert import FxTotal
from core.roles import Identity
from metrics.open_money import FAILURE_METRICS, UNPOSTED, UNPOSTED_PARAMS

FINANCE_METRICS: Final = [*FAILURE_METRICS, "amount_mismatches"]
LAG_FLOWS: Final = ["invoice_billing_to_erp", "payment_billing_to_erp"]

BUCKETS = Query("finance.buckets", "finance", UNPOSTED, stored=True)
LAG_TREND = Query("finance.lag_trend", "finance", HISTORY)
ITEMS = Query("finance.items", "finance", OPEN_ITEMS)
TREND = Query("finance.trend", "finance", HISTORY)
FX_RATES = fx.rates_query("finance")
LAG_PARAMS: Final = {"names": ["sync_lag_seconds"], "flows": LAG_FLOWS, "quantiles": ["p50", "p95"]}


def buckets(identity: Identity | None, window: Window) -> Frame:
    """Posting failures and silent misses (invoices and payments) per age bucket and currency."""
    return load(identity, BUCKETS, window.params(**UNPOSTED_PARAMS))


def lag_trend(identity: Identity | None, window: Window) -> Frame:
    """Invoice and payment lag quantiles over the window."""
    return load(identity, LAG_TREND, window.params(**LAG_PARAMS))


def trend(identity: Identity | None, window: Window, since: datetime) -> Frame:
    """Open finance items per metric over time since ``since`` (the period's start)."""
    return load(identity, TREND, window.params(names=FINANCE_METRICS, since=since))


def total(
    identity: Identity | None, amounts: Iterable[tuple[int, str]], currency: str, as_of: date
) -> FxTotal:
    """Amounts of several currencies as one total in ``currency`` at ECB rates."""
    return fx.total(identity, FX_RATES, amounts, currency, as_of)


def items(identity: Identity | None, window: Window) -> Frame:
    """Open finance exception items, largest first."""
    return load(identity, ITEMS, window.params(metrics=FINANCE_METRICS))


QUERIES: Final[list[tuple[Query, dict[str, Any]]]] = [
    (BUCKETS, UNPOSTED_PARAMS),
    (LAG_TREND, LAG_PARAMS),
    (ITEMS, {"metrics": FINANCE_METRICS}),
    (TREND, {"names": FINANCE_METRICS}),
    (FX_RATES, {"as_of": date.max}),
]
