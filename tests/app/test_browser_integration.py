"""The integration first screen in Chromium at 1400×900: incidents and flow health without
scrolling, error groups with the store's exact counts and money, and a group's records."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from app.queries.core import Window
from core.database import Database
from core.display import count, money, money_list, system_title
from core.money import from_minor
from metrics.flows import FLOWS
from testkit.dashboard_store import NOW, PASSWORD
from tests.app.browser_kit import SCREENSHOTS, VIEWPORT, chromium, dashboard, heading, tab
from tests.app.error_group_truth import expected_groups, expected_records
from tests.postgres import create_database, drop_database, with_database

pytestmark = pytest.mark.browser

WEEK = Window(until=NOW, span=timedelta(days=7))
RAW = re.compile(r"\b(None|NaN|NaT|nan)\b|_minor|[a-z]+_[a-z_]+_to_[a-z]+")


@pytest.fixture(scope="module")
def store(pg_admin_url: str, seeded_template: str) -> Iterator[Database]:
    """One seeded store for the module's dashboard."""
    name = create_database(pg_admin_url, template=seeded_template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="module")
def base_url(store: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard in Berlin time, with Stripe's web address configured."""
    config = tmp_path_factory.mktemp("integration") / "syncwatch.yaml"
    config.write_text(
        "timezone: Europe/Berlin\n"
        "sources:\n"
        "  stripe:\n"
        "    type: stripe\n"
        "    api_key_env: INTEGRATION_STRIPE_KEY\n"
        "    web_url: https://dashboard.stripe.com\n",
        encoding="utf-8",
    )
    env = {"DATABASE_URL": store.url, "INTEGRATION_STRIPE_KEY": "sk_test_unused"}
    with dashboard(config, env) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """The integration engineer signed in on the sync health page."""
    with tab(browser) as opened:
        opened.goto(f"{base_url}/integration")
        opened.get_by_role("textbox", name="User name").fill("ivan")
        opened.get_by_role("textbox", name="Password").fill(PASSWORD)
        opened.get_by_role("button", name="Sign in").click()
        heading(opened, "Sync health")
        yield opened


def _tables(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')


def _rows(table: Locator) -> list[list[str]]:
    """Each data row's cells as shown (the grid's accessible cells, header row left out)."""
    rows = table.locator('[role="row"]')
    expect(rows.nth(1)).to_be_attached()
    return [r.locator('[role="gridcell"]').all_inner_texts() for r in rows.all()[1:]]


def _on_first_screen(locator: Locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["y"] >= 0
    assert box["y"] + box["height"] <= VIEWPORT["height"], box


def test_incidents_and_flow_health_fill_the_first_screen(page: Page) -> None:
    incident = page.locator('[data-testid="stMain"] [data-testid="stPageLink"]').filter(
        has_text="Invoices failed to post to the ERP"
    )
    _on_first_screen(incident)
    expect(incident).to_contain_text("firing since just now · not acknowledged")
    grid = _tables(page).first
    _on_first_screen(grid)
    rows = _rows(grid)
    assert [r[1] for r in rows] == [f.title for f in FLOWS.values()]
    assert all(re.fullmatch(r".+ of \d+ (h|d) SLA", r[2]) for r in rows), rows
    page.screenshot(path=str(SCREENSHOTS / "integration_first_screen.png"))
    main = page.locator('[data-testid="stMain"]').inner_text()
    mine = main.split("Open backlog and SLA-breach items")[0].replace("\u2060", "")
    assert not RAW.search(mine), RAW.findall(mine)


def test_error_groups_show_the_stores_counts_and_money(page: Page, store: Database) -> None:
    with store.connection() as conn:
        truth = expected_groups(conn, WEEK)
    groups = _tables(page).nth(1)
    groups.scroll_into_view_if_needed()
    shown = {(row[0], row[1]): (row[2], row[3]) for row in _rows(groups)}
    assert shown == {
        (system_title(system), code or "no error code"): (
            count(g.records),
            money_list(g.amounts),
        )
        for (system, code), g in truth.items()
    }
    assert len(shown) > 1


def test_a_selected_group_lists_its_records_and_exports_them(page: Page, store: Database) -> None:
    groups = _tables(page).nth(1)
    groups.scroll_into_view_if_needed()
    second = _rows(groups)[1]
    box = groups.bounding_box()
    assert box is not None
    # The row's selection box: header and rows are 35 px high.
    page.mouse.click(box["x"] + 16, box["y"] + 35 * 2 + 17)
    title = f"{second[2]} record{'s' * (second[2] != '1')} failing in {second[0]} with {second[1]}"
    assert second[0] == "NetSuite"
    expect(page.get_by_text(title, exact=True)).to_be_visible()
    heading(page, "Sync health")
    with store.connection() as conn:
        truth = expected_records(conn, WEEK, "netsuite", second[1])
    drill = _tables(page).nth(2)
    drill.scroll_into_view_if_needed()
    # The records of the selected group replace the first group's.
    expect(drill.locator('[role="row"]')).to_have_count(len(truth) + 1)
    shown = _rows(drill)
    assert sorted(row[2] for row in shown) == sorted(money(a, c) for _, a, c in truth)
    with page.expect_download() as download:
        page.locator(".st-key-integration-error_records-csv button").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert sorted((r["source_id"], r["amount"], r["currency"]) for r in rows) == sorted(
        (source_id, str(from_minor(a, c)), c) for source_id, a, c in truth
    )
    # The CSV keeps machine-readable columns: full ids, decimal amounts, ISO 8601 instants.
    assert [r["customer_name"] for r in rows] == [row[0] for row in shown]
    assert all(r["error_code"] == second[1] for r in rows)
    assert rows[0]["failed_at"].endswith("+00:00") and "amount_minor" not in rows[0]


def test_an_incident_opens_its_alert(page: Page, store: Database) -> None:
    with store.connection() as conn:
        row = conn.execute("SELECT id FROM alert WHERE fingerprint = 'f1'").fetchone()
    assert row is not None
    page.locator('[data-testid="stMain"] [data-testid="stPageLink"]').filter(
        has_text="Invoices failed to post to the ERP"
    ).click()
    heading(page, "Alerts & silences")
    assert f"alert={row[0]}" in page.url
    expect(page.get_by_text(f"Showing only alert #{row[0]}")).to_be_visible()
