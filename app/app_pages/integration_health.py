"""Integration: what is on fire now, is every flow moving, what fails and why, are the
collectors healthy?"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import charts
from app.components import data_table, help_line
from app.exception_panel import exception_panel
from app.failure_groups import failure_groups
from app.filters import current_window
from app.flow_health import health_grid
from app.incidents import incidents_now
from app.queries import integration
from app.queries.core import Frame
from app.runtime import runtime
from app.session import page_guard
from app.views import Reading, missing, page_reading, text_column, words
from core.display import MISSING, count, instant, system_title


def main() -> None:
    """Draw the sync health page: incidents and flow health first, then failures and sources."""
    identity = page_guard("integration")
    window = current_window(identity)
    reading = page_reading(window)
    settings = runtime().settings
    st.title("Sync health")
    st.caption(f"As of the latest compute, {instant(window.until, reading.zone)}.")
    incidents_now(identity, window, reading)
    st.subheader("Flow health")
    lag = integration.lag(identity, window)
    collectors = integration.collectors(identity, window)
    health_grid(integration.health(identity, window), lag, collectors,
                settings.flow_settings(), window, reading)  # fmt: skip
    failure_groups(identity, window, reading, settings.reporting_currency)
    st.subheader("Collector health")
    help_line("Each source's health in words, its last successful poll and its last run.")
    view, config = _collectors_view(collectors, reading) if len(collectors) else (None, None)
    data_table(collectors, "integration.collectors", empty="No collector has run yet.",
               drill=None, view=view, column_config=config)  # fmt: skip
    left, right = st.columns(2)
    with left:
        _history(lag, "Lag p95 per flow", reading, hours=True)
        help_line(
            "After each compute: 95 % of the last 24 h items reached their target within this "
            "time (from the source event to its reflection in the target)."
        )
    with right:
        _history(
            integration.backlog(identity, window), "Open backlog per flow", reading, hours=False
        )
        help_line("Items not yet in the target system, any age: lag never hides a backlog.")
    st.subheader("Open backlog and SLA-breach items")
    exception_panel(identity, "integration", integration.items(identity, window),
                    "integration.items", "No open backlog or SLA breaches.", window=window,
                    reading=reading)  # fmt: skip


def _collectors_view(frame: Frame, reading: Reading) -> tuple[Frame, dict[str, Any]]:
    view = pd.DataFrame(
        {
            "source": [system_title(s) for s in frame["source"]],
            "health": [
                "healthy"
                if healthy
                else f"unhealthy: {words(reason)}"
                if not missing(reason)
                else "unhealthy"
                for healthy, reason in zip(frame["healthy"], frame["reason"], strict=True)
            ],
            "success": [_polled(t, reading) for t in frame["last_success_at"]],
            "attempt": [_polled(t, reading) for t in frame["last_attempt_at"]],
            "status": [_RUN.get(str(s), words(s)) for s in frame["last_status"]],
            "records": [count(r) for r in frame["last_records"]],
            "calls": [count(c) for c in frame["last_api_calls"]],
            "limited": [count(c) for c in frame["last_rate_limited"]],
            "error": [words(e) for e in frame["last_error"]],
            "quarantined": [count(q) for q in frame["quarantined"]],
        }
    )
    config: dict[str, Any] = {
        "source": text_column("Source", width="small"),
        "health": text_column("Health", "Unhealthy when its last poll failed, with the reason."),
        "success": text_column("Last successful poll"),
        "attempt": text_column("Last poll"),
        "status": text_column("Last run", width="small"),
        "records": text_column("Records", "Records read by the last run.", "small"),
        "calls": text_column("API calls", "API calls of the last run.", "small"),
        "limited": text_column("Rate limited", "Requests the API refused as too many.", "small"),
        "error": text_column("Last error"),
        "quarantined": text_column("Quarantined", "Records held back as unreadable.", "small"),
    }
    return view, config


_RUN = {"success": "succeeded", "partial": "partly read", "failed": "failed",
        "running": "running", "abandoned": "abandoned"}  # fmt: skip


def _polled(value: object, reading: Reading) -> str:
    """An instant with how long ago; a poll after the compute the page is as of reads "just
    now", never as a time to come."""
    if missing(value):
        return MISSING
    at: datetime = pd.Timestamp(value).to_pydatetime()
    return instant(at, reading.zone, max(at, reading.now))


def _history(frame: Frame, title: str, reading: Reading, *, hours: bool) -> None:
    if len(frame) == 0:
        st.plotly_chart(
            charts.empty(title, "No history in this time range: points appear after each compute."),
            width="stretch",
        )
        return
    frame = frame.copy()
    frame["flow"] = [lbl["flow"] for lbl in frame["labels"]]
    frame["y"] = frame["value"].astype(float) / (3600.0 if hours else 1.0)
    st.plotly_chart(
        charts.flow_lines(frame, x="ts", y="y", flow="flow", zone=reading.zone, title=title,
                          y_title="hours" if hours else "items"),
        width="stretch",
    )  # fmt: skip


main()
