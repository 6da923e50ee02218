"""Finance: is the close on track? (the period closing, what blocks it, money, owners, trend)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import charts
from app.components import help_line
from app.exception_panel import exception_panel
from app.filters import current_window
from app.queries import finance
from app.queries.core import Frame
from app.runtime import runtime
from app.session import page_guard
from app.views import Reading, page_reading, text_column, words
from core.business_calendar import ClosePeriod, closing_period
from core.display import (
    AGE_BUCKET_TITLES,
    MISSING,
    age_bucket_title,
    converted_total,
    duration,
    instant,
    metric_title,
    money,
    money_list,
    rate_day,
)
from core.roles import Identity
from metrics.open_money import FAILURE_METRICS

AGE_ORDER = list(AGE_BUCKET_TITLES.values())
UNPOSTED = set(FAILURE_METRICS)
TOP_BLOCKERS = 5


def _close_line(period: ClosePeriod) -> str:
    deadline = f"{period.deadline:%a} {rate_day(period.deadline)}"
    if period.business_days_left < 0:
        return f"{period.name} close is overdue: it was due {deadline}."
    left = period.business_days_left
    days = "the last business day" if left == 0 else f"{left} business day{'s' * (left != 1)} left"
    verb = "Closing" if period.closing else "Next close"
    return f"{verb}: {period.name} · {days} (due {deadline})"


def _money_tile(
    col: st.delta_generator.DeltaGenerator,
    identity: Identity,
    title: str,
    rows: Frame,
    as_of: datetime,
    help_text: str,
) -> None:
    """A tile with the rows' money as one reporting-currency total (exact amounts on hover)."""
    per_currency = rows.groupby("currency", dropna=True)["amount_minor"].sum()
    amounts = {str(c).strip(): int(a) for c, a in per_currency.items()}
    items = f"{len(rows)} item{'s' * (len(rows) != 1)}"
    if not amounts:
        col.metric(title, items, help=help_text)
        return
    reporting = runtime().settings.reporting_currency
    total = finance.total(identity, amounts_pairs(amounts), reporting, as_of.date())
    exact = money_list(amounts)
    if total.amount_minor is None:
        col.metric(title, items, help=f"{help_text} Exactly {exact}.")
    else:
        converted = converted_total(
            total.currency, total.amount_minor, total.rate_date, total.left_out, total.as_of
        )
        col.metric(
            title,
            f"≈ {money(total.amount_minor, total.currency, compact=True)}",
            help=f"{help_text} Exactly {exact} ({converted}).",
        )
    col.caption(money_list(amounts, compact=True))


def amounts_pairs(amounts: dict[str, int]) -> list[tuple[int, str]]:
    """``{currency: amount}`` as the (amount, currency) pairs a conversion takes."""
    return [(amount, currency) for currency, amount in amounts.items()]


def _blockers(items: Frame, reading: Reading) -> tuple[Frame, dict[str, Any]]:
    top = items.head(TOP_BLOCKERS)
    view = pd.DataFrame(
        {
            "what": [metric_title(m) for m in top["metric"]],
            "record": [words(n) for n in top["record_name"]],
            "customer": [words(c) for c in top["customer_name"]],
            "amount": [
                money(a, c) for a, c in zip(top["amount_minor"], top["currency"], strict=True)
            ],
            "owner": [
                words(a) if not pd.isna(a) and str(a).strip() else f"{str(o).title()} team"
                for a, o in zip(top["assignee"], top["owner"], strict=True)
            ],
            "age": [_age(s, reading.now) for s in top["since"]],
        }
    )
    config: dict[str, Any] = {
        "what": text_column("Problem", width="medium"),
        "record": text_column("Invoice", width="small"),
        "customer": text_column("Customer", width="medium"),
        "amount": text_column("Amount", width="small"),
        "owner": text_column("Owner", width="small"),
        "age": text_column("Open for", width="small"),
    }
    return view, config


def _age(since: object, now: datetime) -> str:
    if since is None or pd.isna(since):
        return MISSING
    return duration(max(0.0, (now - pd.Timestamp(since).to_pydatetime()).total_seconds()))


def _trend(identity: Identity, period: ClosePeriod, reading: Reading) -> None:
    window = current_window(identity)
    trend = finance.trend(identity, window, period.start)
    title = f"Open items since {period.name} began"
    if len(trend) == 0:
        st.plotly_chart(
            charts.empty(title, "No history yet: it appears after the next metrics compute."),
            width="stretch",
        )
        return
    per_metric = trend.groupby(["name", "ts"], as_index=False)["value"].sum()
    per_metric["Problem"] = [metric_title(n) for n in per_metric["name"]]
    st.plotly_chart(
        charts.line(per_metric, x="ts", y="value", color="Problem", zone=reading.zone,
                    title=title, y_title="open items"),
        width="stretch",
    )  # fmt: skip


def main() -> None:
    """Draw the finance close-readiness page."""
    identity = page_guard("finance")
    window = current_window(identity)
    reading = page_reading(window)
    period = closing_period(window.until, reading.zone, runtime().settings.calendar)
    st.title("Close readiness")
    st.caption(f"{_close_line(period)} · as of {instant(window.until, reading.zone)}")
    items = finance.items(identity, window)
    since = pd.to_datetime(items["since"], utc=True) if len(items) else pd.Series(dtype=object)
    blocking = items[since < period.end] if len(items) else items
    carried = int((since < period.start).sum()) if len(items) else 0
    unposted = blocking[blocking["metric"].isin(UNPOSTED)] if len(blocking) else blocking
    mismatched = blocking[blocking["metric"] == "amount_mismatches"] if len(blocking) else blocking
    cols = st.columns(4)
    cols[0].metric(
        f"Blocking the {period.name} close",
        f"{len(blocking)} item{'s' * (len(blocking) != 1)}",
        help=f"Open finance items dated before the period's end; {carried} of them are carried "
        "over from earlier periods.",
    )
    _money_tile(cols[1], identity, "Unposted invoices and payments", unposted, window.until,
                "Failed to post, or missing from the ERP with no log.")  # fmt: skip
    _money_tile(cols[2], identity, "Amount mismatches", mismatched, window.until,
                "The difference between the billing and ERP totals.")  # fmt: skip
    if len(blocking):
        oldest = blocking.sort_values("since").iloc[0]
        cols[3].metric(
            "Oldest blocker",
            _age(oldest["since"], window.until),
            help=f"{metric_title(oldest['metric'])}: {words(oldest['record_name'])} "
            f"({words(oldest['customer_name'])}).",
        )
    else:
        cols[3].metric("Oldest blocker", MISSING, help="Nothing blocks the close.")
    st.markdown("**What blocks the close, largest first**")
    if len(blocking):
        view, config = _blockers(blocking, reading)
        st.dataframe(view, hide_index=True, width="stretch", column_config=config)
        help_line("The full list, with actions, is under Open items below.")
    else:
        st.success("Nothing blocks the close: every invoice is posted and totals agree.")
    left, right = st.columns(2)
    with left:
        _trend(identity, period, reading)
    with right:
        buckets = finance.buckets(identity, window)
        title = "Unposted invoices by age"
        if len(buckets):
            buckets["age"] = [age_bucket_title(b) for b in buckets["age_bucket"]]
            buckets["Problem"] = [metric_title(m) for m in buckets["metric"]]
            st.plotly_chart(
                charts.money_bars(buckets, x="age", color="Problem", title=title, order=AGE_ORDER),
                width="stretch",
            )
        else:
            st.plotly_chart(charts.empty(title, "No unposted invoices."), width="stretch")
        help_line("One panel per currency: amounts in different currencies are never compared.")
    lag = finance.lag_trend(identity, window)
    title = "Invoice and payment lag"
    if len(lag):
        lag["flow"] = [lbl["flow"] for lbl in lag["labels"]]
        lag["quantile"] = [lbl["quantile"] for lbl in lag["labels"]]
        lag["hours"] = lag["value"].astype(float) / 3600.0
        st.plotly_chart(
            charts.flow_lines(lag, x="ts", y="hours", flow="flow", zone=reading.zone,
                              title=title, y_title="hours", dash="quantile"),
            width="stretch",
        )  # fmt: skip
    else:
        st.plotly_chart(charts.empty(title, "No lag history in this time range."), width="stretch")
    help_line("p50/p95 time from finalized (or paid) in Stripe to the NetSuite invoice.")
    st.subheader("Open items")
    exception_panel(identity, "finance", items, "finance.items",
                    "No open posting failures, silent misses or amount mismatches.",
                    window=window, reading=reading)  # fmt: skip


main()
