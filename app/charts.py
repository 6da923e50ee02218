"""DataFrame in, Plotly figure out: the few chart shapes the pages use."""

from __future__ import annotations

from typing import Any

import plotly.express as px
import plotly.graph_objects as go

from app.queries.core import Frame

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "legend": {"orientation": "h", "y": -0.2},
    "height": 320,
}


def line(frame: Frame, *, x: str, y: str, color: str, title: str, y_title: str) -> go.Figure:
    """A line per ``color`` value over time."""
    figure = px.line(frame, x=x, y=y, color=color, markers=True, title=title)
    figure.update_layout(**_LAYOUT, yaxis_title=y_title, xaxis_title=None)
    return figure


def bars(
    frame: Frame,
    *,
    x: str,
    y: str,
    title: str,
    y_title: str,
    color: str | None = None,
    horizontal: bool = False,
    text: str | None = None,
) -> go.Figure:
    """Grouped bars (stacked when ``color`` names a second dimension)."""
    if horizontal:
        figure = px.bar(frame, x=y, y=x, color=color, orientation="h", title=title, text=text)
        figure.update_layout(**_LAYOUT, xaxis_title=y_title, yaxis_title=None)
    else:
        figure = px.bar(frame, x=x, y=y, color=color, title=title, text=text)
        figure.update_layout(**_LAYOUT, yaxis_title=y_title, xaxis_title=None)
    return figure


def attainment(frame: Frame, *, flow: str, value: str, title: str) -> go.Figure:
    """SLA attainment per flow as horizontal bars on a 0–100 % axis with a 95 % guide."""
    figure = px.bar(frame, x=value, y=flow, orientation="h", title=title, text=value)
    figure.update_traces(texttemplate="%{text:.1%}", marker_color="#2E7D32")
    figure.add_vline(x=0.95, line_dash="dot", line_color="#C62828")
    figure.update_layout(**_LAYOUT, xaxis_tickformat=".0%", xaxis_range=[0, 1.05])
    figure.update_layout(xaxis_title="share of items within SLA", yaxis_title=None)
    return figure
