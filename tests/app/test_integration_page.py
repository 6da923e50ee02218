"""The integration first screen in AppTest against the seeded store: incidents in words, the
flow health grid from the stored metrics, error groups ranked by money, the drill-down and the
collectors in words."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from app.charts import FLOW_COLOURS
from app.queries.core import Window
from core.config.flows import default_flows
from core.database import Database
from core.display import count, duration, money, money_list
from core.fx.convert import total_in
from metrics.flows import FLOWS
from testkit.dashboard_store import NOW
from tests.app.apptest_helpers import signed_in
from tests.app.error_group_truth import expected_groups

PAGE = "app_pages/integration_health.py"
MONTH = Window(until=NOW, span=timedelta(days=30))
# ECB reference rates per euro on the seeded day (the reporting currency is USD).
RATES = {"USD": "1.0550", "GBP": "0.8340", "JPY": "160.15"}
LINES_LATER = "The lag lines appear once the last 24 hours hold two computes."


@pytest.fixture
def store(app_env: Database) -> Database:
    """The seeded store with ECB rates, an acknowledged lag alert, a stale source alert and
    more lag history."""
    with psycopg.connect(app_env.url, autocommit=True) as conn:
        for currency, rate in RATES.items():
            conn.execute(
                "INSERT INTO fx_rate (rate_date, currency, per_eur, source, loaded_at) "
                "VALUES (%s, %s, %s, 'test', %s)",
                (NOW.date(), currency, rate, NOW),
            )
        conn.execute(
            "INSERT INTO alert (fingerprint, rule, labels, state, severity, value, unit, "
            "active_since, firing_since, acknowledged_by, acknowledged_at) VALUES "
            "('lag', 'sync-lag-p95.payment_billing_to_erp', %s, 'firing', 'warning', 16186, "
            "'seconds', %s, %s, 'ivan', %s), "
            "('src', 'source_unhealthy', %s, 'stale', 'critical', 0, 'bool', %s, %s, NULL, NULL)",
            (json.dumps({"flow": "payment_billing_to_erp", "quantile": "p95"}),
             NOW - timedelta(hours=3), NOW - timedelta(hours=2, minutes=45),
             NOW - timedelta(minutes=40), json.dumps({"source": "netsuite"}),
             NOW - timedelta(hours=1, minutes=30), NOW - timedelta(hours=1, minutes=29)),
        )  # fmt: skip
        # Invoice lag now past its 1 h SLA, and computed three more times in the last day
        # (two within one half hour).
        conn.execute(
            "UPDATE metric_point p SET value = 5400 FROM metric_series s "
            "WHERE s.id = p.series_id AND p.ts = %s AND s.name = 'sync_lag_seconds' "
            "AND s.labels = %s::jsonb",
            (NOW, json.dumps({"flow": "invoice_billing_to_erp", "quantile": "p95"})),
        )
        conn.execute(
            "INSERT INTO metric_point (series_id, ts, value) "
            "SELECT s.id, p.ts, p.value FROM metric_series s, "
            "(VALUES (%s::timestamptz, 1800.0), (%s, 3600.0), (%s, 900.0)) p (ts, value) "
            "WHERE s.name = 'sync_lag_seconds' AND s.labels = %s::jsonb",
            (NOW - timedelta(hours=6), NOW - timedelta(hours=5, minutes=50),
             NOW - timedelta(hours=3),
             json.dumps({"flow": "invoice_billing_to_erp", "quantile": "p95"})),
        )  # fmt: skip
    return app_env


def _page(range_: str = "7 days") -> AppTest:
    at = signed_in("ivan")
    at.session_state["filter.range"] = range_
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _text(value: str) -> str:
    """Markdown written with character references, as the reader sees it."""
    return html.unescape(value).replace("\u2060", "")


def _colours(table: Any) -> dict[tuple[int, int], str]:
    """The text colour of each styled cell, by (row, column), as the table is sent."""
    css = table.proto.arrow_data.styler.styles
    colours = {}
    for selectors, colour in re.findall(r"([^{}]+)\{ color: (#[0-9A-F]{6}) \}", css):
        for row, col in re.findall(r"_row(\d+)_col(\d+)", selectors):
            colours[(int(row), int(col))] = colour
    return colours


def _frames(at: AppTest) -> list[Any]:
    return [d.value for d in at.dataframe]


def test_incidents_read_in_words_and_link_to_their_alert(store: Database) -> None:
    at = _page()
    with store.connection() as conn:
        ids = dict(conn.execute("SELECT fingerprint, id FROM alert").fetchall())
    links = [(_text(p.proto.label), p.proto.query_string) for p in at.main.get("page_link")]
    assert links == [
        ("**Payments → ERP: p95 lag above SLA** · :orange[warning] · now 4 h 29 min · "
         "firing since 2 h 45 min ago · acknowledged by ivan 40 min ago", f"alert={ids['lag']}"),
        ("**Invoices failed to post to the ERP** · Invoices → ERP · :red[critical] · now 12 · "
         "firing since just now · not acknowledged", f"alert={ids['f1']}"),
        ("**Source unhealthy: its collector's last poll failed** · NetSuite · :red[critical] · "
         "no fresh data since 1 h 29 min ago · not acknowledged", f"alert={ids['src']}"),
    ]  # fmt: skip


def test_no_open_incident_says_so(store: Database) -> None:
    with psycopg.connect(store.url, autocommit=True) as conn:
        conn.execute("UPDATE alert SET state = 'resolved'")
    at = _page()
    assert not at.main.get("page_link")
    assert next(s.value for s in at.success).startswith("No open incidents")


def test_the_grid_has_a_row_per_flow_with_its_stored_figures(store: Database) -> None:
    at = _page()
    grid = _frames(at)[0]
    with store.connection() as conn:
        rows = conn.execute(
            "SELECT s.name, s.labels ->> 'flow', p.value FROM metric_series s "
            "JOIN metric_point p ON p.series_id = s.id AND p.ts = %s "
            "WHERE s.name IN ('sync_backlog', 'sync_backlog_oldest_seconds', 'sync_attempts') "
            "OR (s.name = 'sync_lag_seconds' AND s.labels ->> 'quantile' = 'p95')",
            (NOW,),
        ).fetchall()
    stored = {(name, flow): value for name, flow, value in rows}
    slas = default_flows()
    assert list(grid["flow"]) == [f.title for f in FLOWS.values()]
    for flow, row in zip(FLOWS, grid.to_dict("records"), strict=True):
        lag = stored[("sync_lag_seconds", flow)]
        assert row["lag"] == f"{duration(lag)} of {duration(slas[flow].sla)} SLA"
        oldest = duration(stored[("sync_backlog_oldest_seconds", flow)])
        assert row["backlog"] == f"{count(stored[('sync_backlog', flow)])} open · oldest {oldest}"
        assert row["errors"].endswith(f" of {count(stored[('sync_attempts', flow)])} attempts")
        # Half-hourly peaks of the last 24 h, in hours; a single point draws no line.
        trend = [1.0, 0.25, lag / 3600] if flow == "invoice_billing_to_erp" else []
        assert list(row["trend"]) == pytest.approx(trend)
    # Every flow reads NetSuite or Salesforce; NetSuite last polled 90 minutes before NOW.
    assert set(grid["fresh"]) == {"NetSuite 1 h 30 min ago", "Salesforce 2 min ago"}
    # Each flow's dot in its colour; red: lag past the SLA, and a failing collector (NetSuite).
    sla_seconds = {f: slas[f].sla.total_seconds() for f in FLOWS}
    over = {(i, 2) for i, f in enumerate(FLOWS) if stored[("sync_lag_seconds", f)] > sla_seconds[f]}
    assert over == {(3, 2)}
    netsuite = [
        i for i, f in enumerate(FLOWS.values()) if "netsuite" in (f.source_system, f.target_system)
    ]
    failing = {(i, 5) for i in netsuite}
    assert _colours(at.dataframe[0]) == {
        **{(i, 0): FLOW_COLOURS[f] for i, f in enumerate(FLOWS)},
        **dict.fromkeys(over | failing, "#C62828"),
    }
    assert LINES_LATER not in [c.value for c in at.caption]


@pytest.mark.usefixtures("app_env")
def test_the_grid_says_when_its_lag_lines_appear() -> None:
    at = _page()
    assert all(list(points) == [] for points in _frames(at)[0]["trend"])
    assert LINES_LATER in [c.value for c in at.caption]


def test_error_groups_rank_by_money_in_the_reporting_currency(store: Database) -> None:
    at = _page("30 days")
    groups = _frames(at)[1]
    with psycopg.connect(store.url) as conn:
        truth = expected_groups(conn, MONTH)
        totals = {
            key: total_in(conn, [(a, c) for c, a in g.amounts.items()], "USD", NOW.date())
            for key, g in truth.items()
        }
    ranked = sorted(truth, key=lambda k: -(totals[k].amount_minor or 0))
    assert len(ranked) > 2 and len({c for g in truth.values() for c in g.amounts}) > 1
    assert list(zip(groups["code"], groups["records"], groups["money"], groups["total"],
                    strict=True)) == [
        (code, count(truth[(s, code)].records), money_list(truth[(s, code)].amounts),
         f"≈ {money(totals[(s, code)].amount_minor, 'USD')}")
        for s, code in ranked
    ]  # fmt: skip
    # The top group's records are listed below it, one row per failing flow.
    system, code = ranked[0]
    drill = _frames(at)[2]
    assert len(drill) == truth[(system, code)].failures
    records = truth[(system, code)].records
    heading = f"**{count(records)} record{'s' * (records != 1)} failing in NetSuite with {code}**"
    assert heading in [_text(m.value) for m in at.markdown]
    assert system == "netsuite"


def test_collectors_say_their_health_in_words(store: Database) -> None:
    at = _page()
    collectors = _frames(at)[3]
    health = dict(zip(collectors["source"], collectors["health"], strict=True))
    assert health == {
        "NetSuite": "unhealthy: HTTP 401 from token endpoint",
        "Salesforce": "healthy",
        "Stripe": "healthy",
    }
    assert list(collectors["success"]) == [
        "2026-11-20 10:30 UTC (1 h 30 min ago)",
        "2026-11-20 11:58 UTC (2 min ago)",
        "2026-11-20 11:58 UTC (2 min ago)",
    ]


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(
    ("range_", "span", "by_money"), [("7 days", 7, True), ("30 days", 30, False)]
)
def test_without_rates_groups_rank_by_money_only_within_one_currency(
    app_env: Database, range_: str, span: int, by_money: bool
) -> None:
    at = _page(range_)
    groups = _frames(at)[1]
    with psycopg.connect(app_env.url) as conn:
        truth = expected_groups(conn, Window(until=NOW, span=timedelta(days=span)))
    currencies = {c for g in truth.values() for c in g.amounts}
    assert (len(currencies) == 1) is by_money
    if by_money:
        (currency,) = currencies
        ranked = sorted(truth.values(), key=lambda g: -g.amounts[currency])
        assert list(groups["money"]) == [money_list(g.amounts) for g in ranked]
    else:
        assert sorted(groups["money"]) == sorted(money_list(g.amounts) for g in truth.values())
        records = [g.records for g in truth.values()]
        assert list(groups["records"]) == [count(r) for r in sorted(records, reverse=True)]
    assert "total" not in groups.columns
    captions = [c.value for c in at.caption]
    order = "largest money first" if by_money else "most records first: without ECB rates"
    assert any(c.startswith("Records whose latest attempt") and order in c for c in captions)
