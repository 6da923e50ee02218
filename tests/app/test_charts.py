"""Chart shapes: money one panel per currency, flows in fixed colours, times in the zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]

from app import charts
from metrics.flows import FLOWS

BERLIN = ZoneInfo("Europe/Berlin")


def test_money_is_drawn_one_panel_per_currency_each_on_its_own_axis() -> None:
    frame = pd.DataFrame(
        {
            "age": ["≤ 1 day", "> 7 days", "≤ 1 day"],
            "metric": ["Posting failures", "Posting failures", "Silent misses"],
            "amount_minor": [6_290_000, 68_138_334, 2_981_666],
            "currency": ["JPY", "USD", "EUR"],
        }
    )
    figure = charts.money_bars(frame, x="age", color="metric", title="Unposted")
    axes = [a for a in figure.layout if a.startswith("yaxis")]
    assert len(axes) == 3
    assert all(figure.layout[a].matches is None for a in axes)
    panels = sorted(a.text for a in figure.layout.annotations)
    assert panels == ["EUR", "JPY", "USD"]
    prefixes = {figure.layout[a].tickprefix for a in axes}
    assert prefixes == {"€", "¥", "$"}
    hovers = {h for trace in figure.data for (h,) in trace.customdata}
    assert hovers == {"¥6,290,000", "$681,383.34", "€29,816.66"}
    # One trace per metric and currency, each in its own currency's panel.
    assert sorted(t.yaxis for t in figure.data) == ["y", "y2", "y3"]


def test_every_flow_keeps_its_colour_and_name_whatever_else_is_drawn() -> None:
    at = datetime(2026, 11, 30, 12, tzinfo=UTC)
    only_invoices = pd.DataFrame(
        {"ts": [at], "flow": ["invoice_billing_to_erp"], "hours": [1.5], "q": ["p95"]}
    )
    both = pd.DataFrame(
        {
            "ts": [at, at],
            "flow": ["account_crm_to_erp", "invoice_billing_to_erp"],
            "hours": [0.5, 2.0],
            "q": ["p95", "p95"],
        }
    )
    colours = {}
    for frame in (only_invoices, both):
        figure = charts.flow_lines(
            frame, x="ts", y="hours", flow="flow", zone=BERLIN, title="Lag", y_title="hours",
            dash="q",
        )  # fmt: skip
        for trace in figure.data:
            name = trace.name.split(",")[0]
            assert name in {f.title for f in FLOWS.values()}
            colours.setdefault(name, trace.line.color)
            assert colours[name] == trace.line.color
    assert colours[FLOWS["invoice_billing_to_erp"].title] == "#009E73"


def test_times_are_drawn_in_the_configured_zone() -> None:
    frame = pd.DataFrame(
        {"ts": [datetime(2026, 7, 1, 22, tzinfo=UTC)], "flow": ["account_crm_to_erp"], "y": [1]}
    )
    figure = charts.flow_lines(
        frame, x="ts", y="y", flow="flow", zone=BERLIN, title="t", y_title="items"
    )
    assert pd.Timestamp(figure.data[0].x[0]) == pd.Timestamp("2026-07-02 00:00:00")
    assert figure.layout.title.text == "t · Europe/Berlin time"


def test_an_empty_chart_says_why() -> None:
    figure = charts.empty("Lag", "No lag yet: it appears after the first collection.")
    assert [a.text for a in figure.layout.annotations] == [
        "No lag yet: it appears after the first collection."
    ]
