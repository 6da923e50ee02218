"""Integration: is every flow moving, and is every collector healthy?"""

from __future__ import annotations

import streamlit as st

from app import charts
from app.components import data_table, help_line
from app.exception_panel import exception_panel
from app.filters import FLOW_NAMES, current_window
from app.queries import integration
from app.queries.core import Frame
from app.session import page_guard


def main() -> None:
    """Draw the sync health page."""
    identity = page_guard("integration")
    window = current_window(identity)
    st.title("Sync health")
    st.caption(f"As of the latest compute, {window.until:%Y-%m-%d %H:%M} UTC.")
    _rates(integration.rates(identity, window))
    left, right = st.columns(2)
    with left:
        _history(integration.lag(identity, window), "Lag p50 / p95 per flow", hours=True)
        help_line("Time from the source event to its reflection in the target, last 24 h items.")
    with right:
        _history(integration.backlog(identity, window), "Open backlog per flow", hours=False)
        help_line("Items not yet in the target system, any age: lag never hides a backlog.")
    st.subheader("Collector health")
    help_line("Last poll per source, time since the last success, and quarantined records.")
    data_table(integration.collectors(identity, window), "integration.collectors",
               empty="No collector has run yet.", drill=None)  # fmt: skip
    st.subheader("Failed and dead-lettered attempts")
    help_line("Latest middleware attempts that failed in the time range; open one for its trail.")
    data_table(
        integration.failures(identity, window, FLOW_NAMES), "integration.failures",
        empty="No failed attempts in this time range.", drill=("source_system", "source_id"),
    )  # fmt: skip
    st.subheader("Open backlog and SLA-breach items")
    exception_panel(identity, "integration", integration.items(identity, window),
                    "integration.items", "No open backlog or SLA breaches.")  # fmt: skip


def _rates(rates: Frame) -> None:
    if len(rates) == 0:
        st.info("No flow metrics computed yet.")
        return
    rates = rates.copy()
    rates["flow"] = [lbl.get("flow", "") for lbl in rates["labels"]]
    table = rates.pivot_table(index="flow", columns="name", values="value", aggfunc="sum")
    cols = st.columns(4)
    names = ("sync_error_rate", "sync_retry_rate", "sync_dead_letters", "sync_backlog")
    titles = ("Error rate (24 h)", "Retry rate (24 h)", "Dead letters (24 h)", "Open backlog")
    helps = (
        "Share of last 24 h attempts that failed or were dead-lettered (mean over flows).",
        "Share of last 24 h attempts that were retries (mean over flows).",
        "Attempts dead-lettered in the last 24 h, all flows.",
        "Items not yet reflected in their target, all flows.",
    )
    for col, name, title, text in zip(cols, names, titles, helps, strict=True):
        if name not in table:
            col.metric(title, "—", help=text)
        elif name.endswith("rate"):
            col.metric(title, f"{table[name].mean():.1%}", help=text)
        else:
            col.metric(title, f"{table[name].sum():,.0f}", help=text)
    st.dataframe(table.reset_index(), hide_index=True, width="stretch")


def _history(frame: Frame, title: str, *, hours: bool) -> None:
    if len(frame) == 0:
        st.info(f"{title}: no history in this time range.")
        return
    frame = frame.copy()
    frame["series"] = [
        f"{lbl['flow']} {lbl['quantile']}" if "quantile" in lbl else lbl["flow"]
        for lbl in frame["labels"]
    ]
    frame["y"] = frame["value"].astype(float) / (3600.0 if hours else 1.0)
    st.plotly_chart(
        charts.line(frame, x="ts", y="y", color="series", title=title,
                    y_title="hours" if hours else "items"),
        width="stretch",
    )  # fmt: skip


main()
