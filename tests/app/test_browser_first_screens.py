"""The executive, RevOps and admin first screens in Chromium at 1400×900: each headline is in
view without scrolling and shows the store's exact figures; a match confirmed or rejected in
place changes the store and is audited; nothing reads raw.

The expected figures are computed here from the store's rows, in plain Python, apart from the
pages' SQL: money per record, converted at the loaded ECB rates, ranked largest first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from alerts.weekly_risks import NOT_RISKS
from core.config import Settings
from core.database import Database
from core.display import count, money, money_list, ratio
from core.fx.load import load_rates
from core.money import convert_minor, total_minor
from core.store.records import CanonicalRecord, upsert_records
from metrics.engine import compute
from metrics.matching import refresh_suggestions
from testkit.dashboard_store import NOW
from tests.app.browser_kit import (
    RunningDashboard,
    assert_above_the_fold,
    heading,
    screenshot,
    sign_in,
    visible_text,
    wait_idle,
)
from tests.app.raw_text import raw_findings

pytestmark = pytest.mark.browser

RATES = "Date,USD,JPY,GBP,\n2026-11-19,1.0812,162.31,0.8523,\n2026-11-20,1.0825,162.50,0.8530,\n"
PER_EUR = {"USD": Decimal("1.0825"), "JPY": Decimal("162.50"), "GBP": Decimal("0.8530")}
GAPS = ("unmatched_accounts", "orphan_customers", "duplicate_customers")
Row = dict[str, Any]


@pytest.fixture(scope="module")
def screens(
    own_dashboard: RunningDashboard, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDashboard]:
    """The dashboard's store with ECB rates and, for the two largest accounts without a
    NetSuite customer, an unlinked NetSuite customer of the same name: a suggested match."""
    store = own_dashboard.store
    rates = tmp_path_factory.mktemp("rates") / "eurofxref-hist.csv"
    rates.write_text(RATES, encoding="utf-8")
    load_rates(store, str(rates), NOW)
    with store.connection() as conn:
        accounts = conn.execute(
            """
            SELECT i.external_id, r.name FROM exception_item i
            JOIN source_record r ON (r.system, r.object_type, r.external_id)
                                  = ('salesforce', 'account', i.external_id)
            WHERE i.metric = 'unmatched_accounts' AND i.labels ->> 'system' = 'netsuite'
              AND i.resolved_at IS NULL AND i.currency = 'USD'
            ORDER BY i.amount_minor DESC LIMIT 2
            """
        ).fetchall()
        with conn.transaction():
            made = NOW - timedelta(days=3)
            upsert_records(conn, [
                CanonicalRecord("netsuite", "customer", f"9900{n}", {}, name=name,
                                created_at=made, updated_at=made)
                for n, (_, name) in enumerate(accounts)
            ], at=NOW)  # fmt: skip
    compute(store, Settings(), NOW)
    with store.connection() as conn:
        refresh_suggestions(conn, NOW)
    yield own_dashboard


def open_rows(store: Database, metrics: list[str] | None = None) -> list[Row]:
    """Open exception items (of ``metrics``, else every risk) with their record's names."""
    with store.connection() as conn:
        cur = conn.execute(
            """
            SELECT i.id, i.metric, i.system, i.object_type, i.external_id, i.labels,
                   i.amount_minor, i.currency::text AS currency, r.name
            FROM exception_item i
            LEFT JOIN source_record r ON (r.system, r.object_type, r.external_id)
                                       = (i.system, i.object_type, i.external_id)
            WHERE i.resolved_at IS NULL
            """
        )
        columns = [c.name for c in cur.description or ()]
        rows = [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]
    if metrics is not None:
        return [r for r in rows if r["metric"] in metrics]
    return [r for r in rows if r["metric"] not in NOT_RISKS and r["amount_minor"] is not None]


def in_dollars(amount: int | None, currency: str | None) -> int | None:
    return (
        None
        if amount is None or currency is None
        else convert_minor(abs(amount), currency, "USD", PER_EUR)
    )


def largest_first(rows: list[Row]) -> list[Row]:
    """By value in dollars; rows without a rate after, currency by currency; no money last."""

    def key(row: Row) -> tuple[int, str, int]:
        if row["amount_minor"] is None:
            return (2, "", 0)
        value = in_dollars(row["amount_minor"], row["currency"])
        if value is None:
            return (1, row["currency"], -abs(row["amount_minor"]))
        return (0, "", -value)

    return sorted(rows, key=key)


def risks_by_record(store: Database) -> list[Row]:
    """Each record at risk once, at its largest amount, largest first."""
    records: dict[tuple[str, str, str, str], Row] = {}
    for row in open_rows(store):
        key = (row["system"], row["object_type"], row["external_id"], row["currency"])
        kept = records.setdefault(key, {**row, "amount_minor": abs(row["amount_minor"])})
        kept["amount_minor"] = max(kept["amount_minor"], abs(row["amount_minor"]))
    return largest_first(list(records.values()))


def grid_rows(table: Locator) -> list[list[str]]:
    """The body rows of a data table, from its accessibility copy (it draws on a canvas)."""
    rows = table.locator('[role="row"]').all()
    return [[c.strip() for c in r.locator('[role="gridcell"]').all_inner_texts()] for r in rows[1:]]


def tile_value(main: Locator, label: str) -> str:
    tile = main.locator('[data-testid="stMetric"]').filter(has_text=label)
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_the_executive_sees_attainment_money_change_and_the_five_largest_risks(
    page: Page, screens: RunningDashboard
) -> None:
    store = screens.store
    sign_in(page, screens.url, "erin")
    heading(page, "KPI overview")
    main = page.locator('[data-testid="stMain"]')
    tiles = main.locator('[data-testid="stMetric"]')
    expect(tiles).to_have_count(4)
    assert_above_the_fold(page, tiles)
    # SLA attainment: each flow's mean over the seven days, averaged over the flows.
    with store.connection() as conn:
        means = conn.execute(
            "SELECT avg(p.value) FROM metric_point p JOIN metric_series s ON s.id = p.series_id "
            "WHERE s.name = 'sla_attainment' AND p.ts > %s AND p.ts <= %s GROUP BY s.labels",
            (NOW - timedelta(days=7), NOW),
        ).fetchall()
    assert tile_value(main, "SLA attainment this week") == ratio(
        sum(m for (m,) in means) / len(means)
    )
    expect(main.get_by_text("Target 95% · ")).to_be_visible()
    risks = risks_by_record(store)
    per_currency: dict[str, int] = {}
    for risk in risks:
        per_currency[risk["currency"]] = (
            per_currency.get(risk["currency"], 0) + risk["amount_minor"]
        )
    total, left_out = total_minor([(a, c) for c, a in per_currency.items()], "USD", PER_EUR)
    assert left_out == [] and total is not None
    assert tile_value(main, "Money at risk") == f"≈ {money(total, 'USD', compact=True)}"
    # Beside the total, each currency's own amount and the rates' date.
    beside = f"{money_list(per_currency, compact=True)} · ECB rates of 20 Nov 2026"
    expect(main.get_by_text(beside, exact=True)).to_be_visible()
    expect(main.get_by_text(" vs last week").first).to_be_visible()
    assert tile_value(main, "Records at risk") == count(len(risks))
    table = main.locator('[data-testid="stDataFrame"]').first
    assert_above_the_fold(page, table)
    expect(table.locator('[role="grid"]')).to_have_attribute("aria-rowcount", "6")
    shown = grid_rows(table)
    # Each amount in its own currency, beside its value in dollars (exact when in dollars).
    assert [(row[2], row[3]) for row in shown] == [
        (
            money(r["amount_minor"], r["currency"]),
            ("" if r["currency"] == "USD" else "≈ ")
            + money(in_dollars(r["amount_minor"], r["currency"]), "USD"),
        )
        for r in risks[:5]
    ]
    assert all(row[4].endswith("team") or row[4] for row in shown)
    assert all(" d " in row[5] or row[5].endswith(("h", "min", "d")) for row in shown)
    screenshot(page, "first_screen_executive")
    assert not raw_findings(visible_text(page)), raw_findings(visible_text(page))


def shown_text(element: Locator) -> str:
    """What a person reads in ``element`` (without app/text.py's invisible word joiners)."""
    return element.inner_text().replace("\u2060", "")


def gap_row(page: Page, item: int) -> Locator:
    return page.locator(f".st-key-revops-gap-{item}")


def test_revops_sees_gaps_by_money_and_decides_matches_in_place(
    page: Page, screens: RunningDashboard
) -> None:
    store = screens.store
    sign_in(page, screens.url, "rory")
    heading(page, "Accounts & amendments")
    main = page.locator('[data-testid="stMain"]')
    tiles = main.locator('[data-testid="stMetric"]')
    expect(tiles).to_have_count(4)
    assert [t.strip() for t in tiles.locator("label").all_inner_texts()] == [
        "Accounts without a customer", "Orphan customers", "Duplicate customers",
        "Stuck amendments",
    ]  # fmt: skip
    assert_above_the_fold(page, tiles)
    expect(main.get_by_text("NetSuite ").first).to_be_visible()
    gaps = largest_first(open_rows(store, list(GAPS)))
    first_page = [gap_row(page, r["id"]) for r in gaps[:4]]
    for row, gap in zip(first_page, gaps, strict=False):
        assert_above_the_fold(page, row)
        assert money(abs(gap["amount_minor"]), gap["currency"]) in shown_text(row)
    stuck = main.locator('[data-testid="stDataFrame"]').first
    assert_above_the_fold(page, stuck)
    amendments = largest_first(open_rows(store, ["stuck_amendments"]))
    # Every amendment is in the table (its header row counts too); the three largest show.
    rowcount = str(len(amendments) + 1)
    expect(stuck.locator('[role="grid"]')).to_have_attribute("aria-rowcount", rowcount)
    assert [r[1] for r in grid_rows(stuck)][:3] == [
        money(r["amount_minor"], r["currency"]) for r in amendments[:3]
    ]
    assert not raw_findings(visible_text(page)), raw_findings(visible_text(page))
    screenshot(page, "first_screen_revops")

    confirm, reject = [r for r in gaps if r["metric"] == "unmatched_accounts"][:2]
    gap_row(page, confirm["id"]).get_by_role("button", name="Confirm").click()
    wait_idle(page)
    expect(main.get_by_text(f"Match confirmed for {confirm['name']}")).to_be_visible()
    expect(gap_row(page, confirm["id"])).to_contain_text("Match confirmed by rory")
    assert confirm["name"] in shown_text(gap_row(page, confirm["id"]))
    gap_row(page, reject["id"]).get_by_role("button", name="Reject").click()
    wait_idle(page)
    expect(main.get_by_text(f"Match rejected for {reject['name']}")).to_be_visible()
    expect(gap_row(page, reject["id"])).to_contain_text("no match suggested")
    with store.connection() as conn:
        links = conn.execute(
            "SELECT crm_account_id, customer_id, decision, decided_by FROM account_link "
            "ORDER BY decided_at, id"
        ).fetchall()
        audited = conn.execute(
            "SELECT action, actor, details ->> 'crm_account_id' FROM audit_log "
            "WHERE action LIKE 'match.%' ORDER BY id"
        ).fetchall()
    assert links == [
        (confirm["external_id"], "99000", "confirmed", "rory"),
        (reject["external_id"], "99001", "rejected", "rory"),
    ]
    assert audited == [
        ("match.confirm", "rory", confirm["external_id"]),
        ("match.reject", "rory", reject["external_id"]),
    ]


def test_the_admin_sees_each_source_s_health_and_the_configuration_without_secrets(
    page: Page, screens: RunningDashboard
) -> None:
    sign_in(page, screens.url, "ada")
    heading(page, "KPI overview")
    page.locator('[data-testid="stSidebar"]').get_by_text("Configuration", exact=True).click()
    heading(page, "Configuration")
    main = page.locator('[data-testid="stMain"]')
    sources = main.locator('[data-testid="stDataFrame"]').first
    assert_above_the_fold(page, sources)
    expect(sources.locator('[role="grid"]')).to_have_attribute("aria-rowcount", "4")
    rows = {row[0]: row for row in grid_rows(sources)}
    assert rows["NetSuite"][1:3] == ["Failing", "HTTP 401 from token endpoint"]
    assert rows["Stripe"][1:4] == ["Healthy", "—", "2026-11-20 12:58 CET (2 min ago)"]
    assert [rows[s][4:6] for s in ("NetSuite", "Salesforce", "Stripe")] == [
        ["120", "0"], ["120", "0"], ["120", "1"],
    ]  # fmt: skip
    expect(main.get_by_text("DASHBOARD_STRIPE_KEY").first).to_be_attached()
    assert "sk_test_unused" not in page.content()
    assert not raw_findings(visible_text(page)), raw_findings(visible_text(page))
    with screens.store.connection() as conn:
        viewed = conn.execute("SELECT actor FROM audit_log WHERE action = 'config.view'").fetchall()
    assert viewed == [("ada",)]
    screenshot(page, "first_screen_admin")
