"""Integration: is every flow moving, and is every collector healthy?"""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import charts
from app.components import data_table, help_line
from app.exception_panel import exception_panel
from app.filters import FLOW_NAMES, current_window
from app.queries import integration
from app.queries.core import Frame
from app.session import page_guard
from app.views import (
    Reading,
    flow_title,
    page_reading,
    record_column,
    record_links,
    text_column,
    when,
    words,
)
from core.display import count, duration, instant, ratio, system_title


def main() -> None:
    """Draw the sync health page."""
    identity = page_guard("integration")
    window = current_window(identity)
    reading = page_reading(window)
    st.title("Sync health")
    st.caption(f"As of the latest compute, {instant(window.until, reading.zone)}.")
    _rates(integration.rates(identity, window))
    left, right = st.columns(2)
    with left:
        _history(integration.lag(identity, window), "Lag p50 / p95 per flow", reading, hours=True)
        help_line("Time from the source event to its reflection in the target, last 24 h items.")
    with right:
        _history(
            integration.backlog(identity, window), "Open backlog per flow", reading, hours=False
        )
        help_line("Items not yet in the target system, any age: lag never hides a backlog.")
    st.subheader("Collector health")
    help_line("Last poll per source, time since the last success, and quarantined records.")
    collectors = integration.collectors(identity, window)
    view, config = _collectors_view(collectors, reading) if len(collectors) else (None, None)
    data_table(collectors, "integration.collectors", empty="No collector has run yet.",
               drill=None, view=view, column_config=config)  # fmt: skip
    st.subheader("Failed and dead-lettered attempts")
    help_line("Latest middleware attempts that failed in the time range; open one for its trail.")
    failures = integration.failures(identity, window, FLOW_NAMES)
    view, config = _failures_view(failures, reading) if len(failures) else (None, None)
    data_table(
        failures, "integration.failures", view=view, column_config=config,
        empty="No failed attempts in this time range.", drill=("source_system", "source_id"),
    )  # fmt: skip
    st.subheader("Open backlog and SLA-breach items")
    exception_panel(identity, "integration", integration.items(identity, window),
                    "integration.items", "No open backlog or SLA breaches.", window=window,
                    reading=reading)  # fmt: skip


def _collectors_view(frame: Frame, reading: Reading) -> tuple[Frame, dict[str, object]]:
    view = pd.DataFrame(
        {
            "source": [system_title(s) for s in frame["source"]],
            "healthy": ["healthy" if h else "failing" for h in frame["healthy"]],
            "reason": [words(r) for r in frame["reason"]],
            "success": [when(t, reading) for t in frame["last_success_at"]],
            "attempt": [when(t, reading) for t in frame["last_attempt_at"]],
            "fresh": [duration(f) for f in frame["freshness_seconds"]],
            "status": [words(s) for s in frame["last_status"]],
            "records": [count(r) for r in frame["last_records"]],
            "calls": [count(c) for c in frame["last_api_calls"]],
            "limited": [count(c) for c in frame["last_rate_limited"]],
            "error": [words(e) for e in frame["last_error"]],
            "quarantined": [count(q) for q in frame["quarantined"]],
        }
    )
    config: dict[str, object] = {
        "source": text_column("Source", width="small"),
        "healthy": text_column("Health", width="small"),
        "reason": text_column("Why"),
        "success": text_column("Last success"),
        "attempt": text_column("Last poll"),
        "fresh": text_column("Data age", "Time since the last successful poll."),
        "status": text_column("Last run", width="small"),
        "records": text_column("Records", width="small"),
        "calls": text_column("API calls", width="small"),
        "limited": text_column("Rate limited", width="small"),
        "error": text_column("Last error"),
        "quarantined": text_column("Quarantined", "Records held back as unreadable."),
    }
    return view, config


def _failures_view(frame: Frame, reading: Reading) -> tuple[Frame, dict[str, object]]:
    view = pd.DataFrame(
        {
            "when": [when(t, reading) for t in frame["ts"]],
            "flow": [flow_title(f) for f in frame["flow"]],
            "customer": [words(c) for c in frame["customer_name"]],
            "name": [words(n) for n in frame["record_name"]],
            "record": record_links(frame["source_system"], frame["source_id"]),
            "status": [_STATUS.get(str(s), words(s)) for s in frame["status"]],
            "attempt": [count(a) for a in frame["attempt"]],
            "target": [system_title(t) for t in frame["target_system"]],
            "code": [words(c) for c in frame["error_code"]],
            "message": [words(m) for m in frame["error_message"]],
        }
    )
    config: dict[str, object] = {
        "when": text_column("When"),
        "flow": text_column("Flow"),
        "customer": text_column("Customer"),
        "name": text_column("Name / number"),
        "record": record_column(),
        "status": text_column("Outcome", width="small"),
        "attempt": text_column("Attempt", width="small"),
        "target": text_column("Target", width="small"),
        "code": text_column("Error code", width="small"),
        "message": text_column("Error"),
    }
    return view, config


_STATUS = {"failed": "failed", "dead_letter": "dead-lettered", "success": "succeeded"}


def _rates(rates: Frame) -> None:
    if len(rates) == 0:
        st.info("No flow metrics computed yet.")
        return
    rates = rates.copy()
    rates["flow"] = [flow_title(lbl.get("flow")) for lbl in rates["labels"]]
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
    shown = table.reset_index()
    view = pd.DataFrame({"flow": shown["flow"]})
    for name, title in _RATE_COLUMNS.items():
        if name in shown:
            values = shown[name]
            if name.endswith("rate"):
                view[title] = [ratio(v) for v in values]
            elif name.endswith("seconds"):
                view[title] = [duration(v) for v in values]
            else:
                view[title] = [count(v) for v in values]
    st.dataframe(view.rename(columns={"flow": "Flow"}), hide_index=True, width="stretch")


_RATE_COLUMNS = {
    "sync_attempts": "Attempts (24 h)",
    "sync_error_rate": "Error rate (24 h)",
    "sync_retry_rate": "Retry rate (24 h)",
    "sync_dead_letters": "Dead letters (24 h)",
    "sync_backlog": "Open backlog",
    "sync_backlog_oldest_seconds": "Oldest unsynced item",
}


def _history(frame: Frame, title: str, reading: Reading, *, hours: bool) -> None:
    if len(frame) == 0:
        st.plotly_chart(
            charts.empty(title, "No history in this time range: points appear after each compute."),
            width="stretch",
        )
        return
    frame = frame.copy()
    frame["flow"] = [lbl["flow"] for lbl in frame["labels"]]
    frame["quantile"] = [lbl.get("quantile", "") for lbl in frame["labels"]]
    frame["y"] = frame["value"].astype(float) / (3600.0 if hours else 1.0)
    dash = "quantile" if frame["quantile"].astype(bool).any() else None
    st.plotly_chart(
        charts.flow_lines(frame, x="ts", y="y", flow="flow", zone=reading.zone, title=title,
                          y_title="hours" if hours else "items", dash=dash),
        width="stretch",
    )  # fmt: skip


main()
