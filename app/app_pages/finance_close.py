"""Finance: what stands between us and a clean close? (unposted invoices, lag, mismatches)."""

from __future__ import annotations

import streamlit as st

from app import charts
from app.components import help_line
from app.exception_panel import exception_panel
from app.filters import current_window
from app.queries import finance
from app.session import page_guard
from app.views import page_reading
from core.display import AGE_BUCKET_TITLES, age_bucket_title, instant, metric_title
from core.display import money as money_text
from core.money import major
from metrics.flows import FLOWS

AGE_ORDER = list(AGE_BUCKET_TITLES.values())


def main() -> None:
    """Draw the finance close-readiness page."""
    identity = page_guard("finance")
    window = current_window(identity)
    reading = page_reading(window)
    st.title("Close readiness")
    st.caption(f"As of the latest compute, {instant(window.until, reading.zone)}.")
    items = finance.items(identity, window)
    buckets = finance.buckets(identity, window)
    st.subheader("Money at risk before close")
    if len(items) == 0:
        st.success("Nothing at risk: every finalized invoice is posted and totals agree.")
    else:
        money = items.groupby(["currency", "metric"], dropna=True)["amount_minor"].sum()
        totals = items.groupby("currency", dropna=True)["amount_minor"].sum()
        cols = st.columns(max(1, min(len(totals), 4)))
        for col, (currency, amount) in zip(cols, totals.items(), strict=False):
            parts = money.loc[currency]
            exact = money_text(amount, str(currency))
            detail = ", ".join(
                f"{metric_title(m)}: {money_text(v, str(currency))}" for m, v in parts.items()
            )
            col.metric(
                f"At risk ({currency})",
                money_text(amount, str(currency), compact=True),
                help=f"Exactly {exact}: {detail}",
            )
    help_line("Unposted (failed or silent) and mismatched invoices; per currency, never summed.")
    left, right = st.columns(2)
    with left:
        if len(buckets):
            buckets["amount"] = [
                major(a, c)
                for a, c in zip(buckets["amount_minor"], buckets["currency"], strict=True)
            ]
            buckets["series"] = [
                f"{metric_title(m)} · {c}"
                for m, c in zip(buckets["metric"], buckets["currency"], strict=True)
            ]
            buckets["age"] = [age_bucket_title(b) for b in buckets["age_bucket"]]
            figure = charts.bars(buckets, x="age", y="amount", color="series",
                                 title="Unposted invoices by age", y_title="amount",
                                 text="items")  # fmt: skip
            figure.update_xaxes(categoryorder="array", categoryarray=AGE_ORDER)
            # One legend entry per kind and currency: room for them below the bars.
            figure.update_layout(height=480, legend_font_size=11)
            st.plotly_chart(figure, width="stretch")
        else:
            st.info("No posting failures or silent misses.")
        help_line("Posting failures: the latest ERP attempt failed. Silent misses: no log at all.")
    with right:
        lag = finance.lag_trend(identity, window)
        if len(lag):
            lag["series"] = [
                f"{FLOWS[lbl['flow']].title} {lbl['quantile']}" for lbl in lag["labels"]
            ]
            lag["hours"] = lag["value"].astype(float) / 3600.0
            st.plotly_chart(
                charts.line(lag, x="ts", y="hours", color="series",
                            title="Invoice and payment lag", y_title="hours"),
                width="stretch",
            )  # fmt: skip
        else:
            st.info("No lag history in this time range.")
        help_line("p50/p95 time from finalized (or paid) in Stripe to the NetSuite invoice.")
    st.subheader("Open items")
    exception_panel(identity, "finance", items, "finance.items",
                    "No open posting failures, silent misses or amount mismatches.",
                    window=window, reading=reading)  # fmt: skip


main()
