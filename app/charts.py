"""DataFrame in, Plotly figure out: the few chart shapes the pages use.

Charts follow three rules so they cannot mislead: money is drawn one panel per currency, each
with its own axis (currencies are never stacked or compared on one scale); every flow has one
colour and its human name on every page; times are drawn in the configured time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]
import plotly.express as px
import plotly.graph_objects as go

from app.queries.core import Frame
from core.display import money, ratio
from core.money import major
from metrics.flows import flow_title

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "legend": {"orientation": "h", "y": -0.2, "title": None},
    "height": 320,
}
# Okabe–Ito colours, readable with every common colour-vision deficiency; one per flow.
FLOW_COLOURS: dict[str, str] = {
    "account_crm_to_erp": "#0072B2",
    "account_crm_to_billing": "#E69F00",
    "amendment_crm_to_billing": "#CC79A7",
    "invoice_billing_to_erp": "#009E73",
    "payment_billing_to_erp": "#D55E00",
}
_TARGET_COLOUR = "#C62828"


def flow_colours() -> dict[str, str]:
    """Each flow's fixed colour, keyed by its human name (as the charts' legends show it)."""
    return {flow_title(flow): colour for flow, colour in FLOW_COLOURS.items()}


def empty(title: str, why: str) -> go.Figure:
    """A chart with nothing to draw yet, saying why and when data will appear."""
    figure = go.Figure()
    figure.add_annotation(text=why, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_layout(**_LAYOUT, title=title)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def local_times(values: Frame, zone: ZoneInfo) -> Frame:
    """Instants as wall-clock times of ``zone`` (what the axis shows and the hover reads)."""
    return pd.to_datetime(values, utc=True).dt.tz_convert(zone).dt.tz_localize(None)


def flow_lines(
    frame: Frame,
    *,
    x: str,
    y: str,
    flow: str,
    zone: ZoneInfo,
    title: str,
    y_title: str,
    dash: str | None = None,
) -> go.Figure:
    """A line per flow over time, in the flow's own colour; ``dash`` splits a flow (p50/p95)."""
    data = frame.copy()
    data["Flow"] = [flow_title(str(f)) for f in data[flow]]
    data[x] = local_times(data[x], zone)
    figure = px.line(
        data,
        x=x,
        y=y,
        color="Flow",
        line_dash=dash,
        markers=True,
        title=title,
        color_discrete_map=flow_colours(),
        category_orders={"Flow": [flow_title(f) for f in FLOW_COLOURS]},
    )
    figure.update_layout(**_LAYOUT, yaxis_title=y_title, xaxis_title=None)
    figure.update_layout(title_text=f"{title} · {zone.key} time")
    return figure


def money_bars(
    frame: Frame,
    *,
    x: str,
    color: str,
    title: str,
    order: Sequence[str] | None = None,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Bars of ``amount_minor`` by ``x``, one panel per ``currency``, each with its own axis.

    A yen amount and a dollar amount are never drawn on one scale; each bar's hover tells the
    exact amount in its currency's own form.
    """
    data = frame.copy()
    data["amount"] = [
        major(a, str(c)) for a, c in zip(data["amount_minor"], data["currency"], strict=True)
    ]
    data["exact"] = [
        money(a, str(c)) for a, c in zip(data["amount_minor"], data["currency"], strict=True)
    ]
    currencies = sorted(str(c) for c in data["currency"].unique())
    figure = px.bar(
        data,
        x=x,
        y="amount",
        color=color,
        facet_col="currency",
        facet_col_spacing=0.08,
        title=title,
        custom_data=["exact"],
        color_discrete_map=colours or {},
        category_orders={"currency": currencies, **({x: list(order)} if order else {})},
    )
    figure.update_traces(hovertemplate="%{x}<br>%{customdata[0]}<extra>%{fullData.name}</extra>")
    figure.update_yaxes(matches=None, showticklabels=True, title=None)
    # The legend names each bar's colour; tick labels under narrow panels would only collide.
    figure.update_xaxes(title=None, showticklabels=x != color)
    figure.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    for index, currency in enumerate(currencies, start=1):
        figure.update_yaxes(tickprefix=money(0, currency).rstrip("0.,"), row=1, col=index)
    figure.update_layout(**_LAYOUT, barmode="group")
    return figure


def line(
    frame: Frame, *, x: str, y: str, color: str, zone: ZoneInfo, title: str, y_title: str
) -> go.Figure:
    """A line per ``color`` value over time, drawn in ``zone``."""
    data = frame.copy()
    data[x] = local_times(data[x], zone)
    figure = px.line(data, x=x, y=y, color=color, markers=True, title=f"{title} · {zone.key} time")
    figure.update_layout(**_LAYOUT, yaxis_title=y_title, xaxis_title=None)
    return figure


def sparklines(
    frame: Frame,
    *,
    key: str,
    keys: Sequence[str],
    x: str,
    y: str,
    step: timedelta = timedelta(minutes=30),
) -> list[list[float]]:
    """Each of ``keys``' ``y`` over time, for a table's line-chart column: the largest value in
    every ``step`` (a spike within it stays visible), oldest first. Fewer than two points make
    no line (a single point would draw as a steady level): the cell stays empty."""
    if len(frame) == 0:
        return [[] for _ in keys]
    data = pd.DataFrame({"key": frame[key].astype(str), "y": frame[y].astype(float)})
    data["bucket"] = pd.to_datetime(frame[x], utc=True).dt.floor(step)
    peaks = data.groupby(["key", "bucket"])["y"].max()
    series = {str(k): [float(v) for v in group] for k, group in peaks.groupby(level="key")}
    return [series.get(k, []) if len(series.get(k, [])) > 1 else [] for k in keys]


def attainment_weeks(frame: Frame, targets: dict[str, float], *, title: str) -> go.Figure:
    """Each flow's SLA attainment this week (in the flow's colour, its value beside its name)
    under last week's (grey), on a 0–100 % axis with the flow's target marked in red.

    ``frame`` holds flow ids in ``flow`` and shares in ``this_week`` and ``last_week``.
    """
    names = [
        f"{flow_title(str(f))} · {ratio(v)}"
        for f, v in zip(frame["flow"], frame["this_week"], strict=True)
    ]
    figure = go.Figure()
    figure.add_bar(
        y=names, x=frame["last_week"], orientation="h", name="Last week",
        marker_color="#BDBDBD", hovertemplate="%{y}: %{x:.1%} last week<extra></extra>",
    )  # fmt: skip
    figure.add_bar(
        y=names, x=frame["this_week"], orientation="h", name="This week",
        marker_color=[FLOW_COLOURS.get(str(f), "#555555") for f in frame["flow"]],
        hovertemplate="%{y}: %{x:.1%} this week<extra></extra>",
    )  # fmt: skip
    figure.add_scatter(
        y=names, x=[targets.get(str(f)) for f in frame["flow"]], mode="markers", name="Target",
        marker={"symbol": "line-ns-open", "size": 22, "color": _TARGET_COLOUR, "line_width": 3},
        hovertemplate="%{y}: target %{x:.0%}<extra></extra>",
    )  # fmt: skip
    figure.update_layout(**_LAYOUT, title=title, barmode="group")
    # The bars' colours are the flows' own: a legend would name only the first flow's.
    figure.update_layout(
        xaxis_tickformat=".0%", xaxis_range=[0, 1.05], xaxis_title="share of items within SLA",
        yaxis_title=None, yaxis_autorange="reversed", showlegend=False,
    )  # fmt: skip
    return figure
