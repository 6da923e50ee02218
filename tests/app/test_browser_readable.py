"""Pages read in people's words, in Chromium: names beside ids, money, no codes; deep links land.

Finance and RevOps leads read the main area of their pages; no column name, metric id, raw
time-zone offset or missing-value marker of the store may show there, and each open item shows
the customer's name and its money as the one formatter writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from core.database import Database
from core.display import money
from testkit.dashboard_store import PASSWORD
from tests.app.browser_kit import SCREENSHOTS, chromium, dashboard, heading, tab
from tests.postgres import create_database, drop_database, with_database

pytestmark = pytest.mark.browser

METRIC_IDS = (
    "posting_failures", "silent_misses", "payment_posting_failures", "payment_silent_misses",
    "amount_mismatches", "unmatched_accounts", "orphan_customers", "duplicate_customers",
    "stuck_amendments", "sync_backlog", "sla_breaches", "clock_skew_items",
)  # fmt: skip
CODES = ("amount_minor", "link_ref", "parent_ref", "account_ref", "age_bucket", "gt_7d", "+00:00")
MISSING_MARKERS = re.compile(r"\b(None|NaN|NaT|nan)\b")


@pytest.fixture(scope="module")
def store(pg_admin_url: str, seeded_template: str) -> Iterator[Database]:
    """One seeded store for the module's app process."""
    name = create_database(pg_admin_url, template=seeded_template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="module")
def base_url(store: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard in a zone away from UTC, with Stripe's web address configured."""
    config = tmp_path_factory.mktemp("readable") / "syncwatch.yaml"
    config.write_text(
        "timezone: Europe/Berlin\n"
        "sources:\n"
        "  stripe:\n"
        "    type: stripe\n"
        "    api_key_env: READABLE_STRIPE_KEY\n"
        "    web_url: https://dashboard.stripe.com\n",
        encoding="utf-8",
    )
    env = {"DATABASE_URL": store.url, "READABLE_STRIPE_KEY": "sk_test_unused"}
    with dashboard(config, env) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser session (a new Streamlit session, signed out)."""
    with tab(browser) as opened:
        yield opened


def sign_in_at(page: Page, url: str, name: str) -> None:
    """Open ``url`` and sign in there (the address survives the sign-in form)."""
    page.goto(url)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def visible_text(page: Page) -> str:
    """The main area's text and every table cell and header (tables draw on a canvas)."""
    main = page.locator('[data-testid="stMain"]').inner_text()
    cells = page.locator(
        '[data-testid="stMain"] [role="gridcell"], [data-testid="stMain"] [role="columnheader"]'
    ).all_inner_texts()
    return "\n".join([main, *cells]).replace("\u2060", "")


def assert_readable(text: str) -> None:
    """No store column name, metric id, raw offset or missing-value marker is shown."""
    shown = [code for code in (*CODES, *METRIC_IDS) if code in text]
    assert not shown, shown
    assert not MISSING_MARKERS.search(text), MISSING_MARKERS.findall(text)


def biggest_item(store: Database, metrics: list[str]) -> tuple[int, str, str, str]:
    """The largest open item of ``metrics``: its number, customer's name, money and fingerprint."""
    with store.connection() as conn:
        row = conn.execute(
            """
            SELECT i.id, coalesce(c.name, r.name), i.amount_minor, i.currency, i.fingerprint
            FROM exception_item i
            JOIN source_record r ON (r.system, r.object_type, r.external_id)
                                  = (i.system, i.object_type, i.external_id)
            LEFT JOIN source_record c ON c.system = r.system AND c.object_type = 'customer'
                                     AND c.external_id = r.parent_ref
            WHERE i.resolved_at IS NULL AND i.metric = ANY (%s)
            ORDER BY abs(i.amount_minor) DESC NULLS LAST, i.id LIMIT 1
            """,
            (metrics,),
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1]), money(row[2], row[3]), str(row[4])


def test_finance_reads_names_and_money_not_codes(
    page: Page, base_url: str, store: Database
) -> None:
    sign_in_at(page, base_url, "fiona")
    heading(page, "Close readiness")
    _, customer, amount, _ = biggest_item(
        store, ["posting_failures", "silent_misses", "payment_posting_failures",
                "payment_silent_misses", "amount_mismatches"],
    )  # fmt: skip
    grid = page.locator('[data-testid="stMain"] [role="gridcell"]')
    expect(grid.filter(has_text=customer).first).to_be_attached()
    expect(grid.filter(has_text=amount).first).to_be_attached()
    text = visible_text(page)
    assert "CET" in text
    assert_readable(text)
    page.screenshot(path=str(SCREENSHOTS / "readable_finance.png"), full_page=True)


def test_revops_reads_names_and_money_not_codes(page: Page, base_url: str, store: Database) -> None:
    sign_in_at(page, base_url, "rory")
    heading(page, "Accounts & amendments")
    _, account, amount, _ = biggest_item(store, ["unmatched_accounts"])
    grid = page.locator('[data-testid="stMain"] [role="gridcell"]')
    expect(grid.filter(has_text=account).first).to_be_attached()
    expect(grid.filter(has_text=amount).first).to_be_attached()
    assert_readable(visible_text(page))
    page.screenshot(path=str(SCREENSHOTS / "readable_revops.png"), full_page=True)


def test_record_parameter_opens_the_record_view(page: Page, base_url: str, store: Database) -> None:
    with store.connection() as conn:
        row = conn.execute(
            "SELECT external_id FROM exception_item WHERE metric = 'posting_failures' "
            "AND resolved_at IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
    assert row is not None
    invoice = str(row[0])
    sign_in_at(page, f"{base_url}/?record={quote(f'stripe:{invoice}')}", "fiona")
    heading(page, "Record view")
    assert "system=stripe" in page.url and f"id={invoice}" in page.url
    expect(page.get_by_text(invoice, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Open in Stripe").first).to_have_attribute(
        "href", f"https://dashboard.stripe.com/invoices/{invoice}"
    )
    assert_readable(visible_text(page))


def test_item_parameter_opens_the_item_on_its_page(
    page: Page, base_url: str, store: Database
) -> None:
    number, customer, amount, fingerprint = biggest_item(store, ["posting_failures"])
    sign_in_at(page, f"{base_url}/record?item={fingerprint}", "fiona")
    heading(page, "Close readiness")
    assert f"item={fingerprint}" in page.url
    expect(page.get_by_text(f"Item #{number}: Invoice failed to post")).to_be_visible()
    # Source text is shown with a word joiner after each colon (app/text.py).
    facts = page.get_by_text(re.compile(f"Customer:\u2060? {re.escape(customer)}"))
    expect(facts).to_be_visible()
    assert f"Amount: {amount}" in facts.inner_text().replace("\u2060", "")
    sign_in_at(page, f"{base_url}/finance?item={number}", "fiona")
    heading(page, "Close readiness")
    expect(page.get_by_text(f"Item #{number}:")).to_be_visible()


def test_unknown_deep_links_say_so_in_words(page: Page, base_url: str) -> None:
    sign_in_at(page, f"{base_url}/finance?item=999999", "fiona")
    heading(page, "Close readiness")
    expect(page.get_by_text("No exception item 999999 among the items")).to_be_visible()
    sign_in_at(page, f"{base_url}/finance?record=nonsense", "fiona")
    expect(page.get_by_text("is not a record address")).to_be_visible()
    sign_in_at(page, f"{base_url}/?record=stripe:in_does_not_exist", "fiona")
    heading(page, "Record view")
    expect(page.get_by_text("No Stripe record in_does_not_exist")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
