"""The per-flow health grid: lag against the SLA, errors, backlog, freshness and a lag sparkline.

One row per flow in its fixed colour and name. Figures are the latest compute's metric values;
freshness is that of the flow's staler collector (its source or its target system), and the
sparkline is the flow's p95 lag over the last 24 hours of metric history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import charts
from app.components import help_line
from app.queries.core import Frame, Window
from app.views import Reading, flow_title, missing
from core.config.flows import FlowName, FlowSettings
from core.display import MISSING, ago, count, duration, ratio, system_title
from metrics.flows import FLOWS

SPARK_SPAN: Final = timedelta(hours=24)
ALARM: Final = "#C62828"
_NO_COLOUR: Final = "#9E9E9E"
Values = dict[tuple[str, str], float]


def health_grid(
    health: Frame,
    lag: Frame,
    collectors: Frame,
    flows: dict[FlowName, FlowSettings],
    window: Window,
    reading: Reading,
) -> None:
    """Draw the grid of the flows the filters select (a line saying why when there is none)."""
    shown = [f for f in flows if flows[f].enabled and _selected(f, window)]
    if not shown:
        st.info("No flow matches the filters.", icon=":material/filter_alt_off:")
        return
    values = latest_values(health)
    polls = _polls(collectors)
    recent = _recent_p95(lag, window.until)
    view = pd.DataFrame(
        {
            "colour": ["●"] * len(shown),
            "flow": [flow_title(f) for f in shown],
            "lag": [_lag(values.get(("p95", f)), flows[f]) for f in shown],
            "errors": [_errors(values, f) for f in shown],
            "backlog": [_backlog(values, f) for f in shown],
            "fresh": [_freshness(f, polls, reading.now) for f in shown],
            "trend": charts.sparklines(recent, key="flow", keys=shown, x="ts", y="hours"),
        }
    )
    over = [_over_sla(values.get(("p95", f)), flows[f]) for f in shown]
    failing = [_failing(f, polls) for f in shown]
    colours = [charts.FLOW_COLOURS.get(f, _NO_COLOUR) for f in shown]
    styled = view.style.apply(lambda _: [f"color: {c}" for c in colours], subset=["colour"])
    styled = styled.apply(lambda _: _red(over), subset=["lag"])
    styled = styled.apply(lambda _: _red(failing), subset=["fresh"])
    st.dataframe(styled, hide_index=True, width="stretch", column_config=_COLUMNS,
                 key="integration.health")  # fmt: skip
    if not any(view["trend"].map(len)):
        help_line("The lag lines appear once the last 24 hours hold two computes.")


def _text(label: str, help_text: str | None, width: int) -> Any:
    """A text column of a fixed width: the grid fits the first screen without scrolling."""
    return st.column_config.TextColumn(label, help=help_text, width=width)


_COLUMNS: Final[dict[str, Any]] = {
    "colour": _text(" ", "The flow's colour on every chart.", 28),
    "flow": _text("Flow", None, 185),
    "lag": _text(
        "Lag (p95) vs SLA",
        "95 % of the last 24 h items reached their target within this time, against the "
        "flow's SLA; red when past it.",
        140,
    ),
    "errors": _text(
        "Errors (24 h)",
        "Share of the last 24 h middleware attempts that failed or were dead-lettered, and "
        "how many the middleware gave up on.",
        135,
    ),
    "backlog": _text(
        "Backlog",
        "Items not yet in the target system, any age, and how long the oldest has waited: "
        "lag never hides a backlog.",
        160,
    ),
    "fresh": _text(
        "Last polled",
        "The last successful poll of the flow's staler system (its source or its target); "
        "red while either one is failing (Collector health below says why).",
        170,
    ),
    "trend": st.column_config.LineChartColumn(
        "Lag, 24 h",
        help="p95 lag after each compute over the last 24 hours, in hours: red when rising, "
        "green when falling; drawn once the last 24 hours hold two computes.",
        width=100,
        color="auto-inverse",
        y_min=0,
    ),
}


def latest_values(health: Frame) -> Values:
    """The latest value per (metric, flow); lag is kept as its p95, under ``p95``."""
    values: Values = {}
    for row in health.to_dict("records") if len(health) else []:
        labels = row["labels"]
        flow = str(labels.get("flow", ""))
        if row["name"] == "sync_lag_seconds":
            if labels.get("quantile") == "p95":
                values[("p95", flow)] = float(row["value"])
        else:
            values[(str(row["name"]), flow)] = float(row["value"])
    return values


def _selected(flow: FlowName, window: Window) -> bool:
    definition = FLOWS[flow]
    if window.flow is not None and flow != window.flow:
        return False
    systems = (definition.source_system, definition.target_system)
    return window.system is None or window.system in systems


def _over_sla(p95: float | None, settings: FlowSettings) -> bool:
    return p95 is not None and p95 > settings.sla.total_seconds()


def _lag(p95: float | None, settings: FlowSettings) -> str:
    sla = duration(settings.sla)
    return f"{MISSING} of {sla} SLA" if p95 is None else f"{duration(p95)} of {sla} SLA"


def _errors(values: Values, flow: FlowName) -> str:
    attempts = values.get(("sync_attempts", flow))
    if not attempts:
        return MISSING
    text = f"{ratio(values.get(('sync_error_rate', flow)))} of {count(attempts)} attempts"
    dead = values.get(("sync_dead_letters", flow))
    return f"{text} · {count(dead)} dead" if dead else text


def _backlog(values: Values, flow: FlowName) -> str:
    items = values.get(("sync_backlog", flow))
    if items is None:
        return MISSING
    if items == 0:
        return "none open"
    oldest = values.get(("sync_backlog_oldest_seconds", flow))
    return f"{count(items)} open · oldest {duration(oldest)}"


def _polls(collectors: Frame) -> dict[str, tuple[datetime, bool]]:
    """Each source's last successful poll and whether it is healthy now."""
    polls = {}
    for row in collectors.to_dict("records") if len(collectors) else []:
        if not missing(row["last_success_at"]):
            at = pd.Timestamp(row["last_success_at"]).to_pydatetime()
            polls[str(row["source"])] = (at, bool(row["healthy"]))
    return polls


def _freshness(flow: FlowName, polls: dict[str, tuple[datetime, bool]], now: datetime) -> str:
    definition = FLOWS[flow]
    systems = [definition.source_system, definition.target_system]
    known = [(polls[s][0], s) for s in systems if s in polls]
    if not known:
        return MISSING
    at, system = min(known)
    # A poll after the compute the page is as of reads "just now", never as a time to come.
    return f"{system_title(system)} {ago(at, max(at, now))}"


def _failing(flow: FlowName, polls: dict[str, tuple[datetime, bool]]) -> bool:
    """Whether the source or the target collector of ``flow`` is failing now."""
    definition = FLOWS[flow]
    systems = (definition.source_system, definition.target_system)
    return any(not polls[s][1] for s in systems if s in polls)


def _red(flags: list[bool]) -> list[str]:
    return [f"color: {ALARM}" if flag else "" for flag in flags]


def _recent_p95(lag: Frame, until: datetime) -> Frame:
    """The p95 lag points of the last 24 hours, in hours, per flow."""
    if len(lag) == 0:
        return pd.DataFrame({"flow": [], "ts": [], "hours": []})
    quantiles = [lbl.get("quantile") for lbl in lag["labels"]]
    stamps = pd.to_datetime(lag["ts"], utc=True)
    keep = (pd.Series(quantiles, index=lag.index) == "p95") & (stamps > until - SPARK_SPAN)
    recent = lag[keep]
    return pd.DataFrame(
        {
            "flow": [lbl["flow"] for lbl in recent["labels"]],
            "ts": recent["ts"],
            "hours": recent["value"].astype(float) / 3600.0,
        }
    )
