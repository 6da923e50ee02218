"""Pages read in people's words, in Chromium: names beside ids, money; deep links land.

Each open item shows the customer's name and its money as the one formatter writes it; a
``?record=`` or ``?item=`` address opens what it names, or says in words why not. (The walk
over every page of every role for raw text is test_browser_walk.py.)
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from core.database import Database
from core.display import money
from tests.app.browser_kit import RunningDashboard, heading, screenshot, sign_in, visible_text

pytestmark = pytest.mark.browser

FINANCE_METRICS = [
    "posting_failures", "silent_misses", "payment_posting_failures", "payment_silent_misses",
    "amount_mismatches",
]  # fmt: skip


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


def test_finance_reads_names_and_money(page: Page, shared_dashboard: RunningDashboard) -> None:
    sign_in(page, shared_dashboard.url, "fiona")
    heading(page, "Close readiness")
    _, customer, amount, _ = biggest_item(shared_dashboard.store, FINANCE_METRICS)
    grid = page.locator('[data-testid="stMain"] [role="gridcell"]')
    expect(grid.filter(has_text=customer).first).to_be_attached()
    expect(grid.filter(has_text=amount).first).to_be_attached()
    assert "CET" in visible_text(page)
    screenshot(page, "readable_finance")


def test_revops_reads_names_and_money(page: Page, shared_dashboard: RunningDashboard) -> None:
    sign_in(page, shared_dashboard.url, "rory")
    heading(page, "Accounts & amendments")
    _, account, amount, _ = biggest_item(shared_dashboard.store, ["unmatched_accounts"])
    grid = page.locator('[data-testid="stMain"] [role="gridcell"]')
    expect(grid.filter(has_text=account).first).to_be_attached()
    expect(grid.filter(has_text=amount).first).to_be_attached()
    screenshot(page, "readable_revops")


def test_record_parameter_opens_the_record_view(
    page: Page, shared_dashboard: RunningDashboard
) -> None:
    with shared_dashboard.store.connection() as conn:
        row = conn.execute(
            "SELECT external_id FROM exception_item WHERE metric = 'posting_failures' "
            "AND resolved_at IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
    assert row is not None
    invoice = str(row[0])
    sign_in(page, f"{shared_dashboard.url}/?record={quote(f'stripe:{invoice}')}", "fiona")
    heading(page, "Record view")
    assert "system=stripe" in page.url and f"id={invoice}" in page.url
    expect(page.get_by_text(invoice, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Open in Stripe").first).to_have_attribute(
        "href", f"https://dashboard.stripe.com/invoices/{invoice}"
    )


def test_item_parameter_opens_the_item_on_its_page(
    page: Page, shared_dashboard: RunningDashboard
) -> None:
    url = shared_dashboard.url
    number, customer, amount, fingerprint = biggest_item(
        shared_dashboard.store, ["posting_failures"]
    )
    sign_in(page, f"{url}/record?item={fingerprint}", "fiona")
    heading(page, "Close readiness")
    assert f"item={fingerprint}" in page.url
    expect(page.get_by_text(f"Item #{number}: Invoice failed to post")).to_be_visible()
    # Source text is shown with a word joiner after each colon (app/text.py).
    facts = page.get_by_text(re.compile(f"Customer:\u2060? {re.escape(customer)}"))
    expect(facts).to_be_visible()
    assert f"Amount: {amount}" in facts.inner_text().replace("\u2060", "")
    sign_in(page, f"{url}/finance?item={number}", "fiona")
    heading(page, "Close readiness")
    expect(page.get_by_text(f"Item #{number}:")).to_be_visible()


def test_unknown_deep_links_say_so_in_words(page: Page, shared_dashboard: RunningDashboard) -> None:
    url = shared_dashboard.url
    sign_in(page, f"{url}/finance?item=999999", "fiona")
    heading(page, "Close readiness")
    expect(page.get_by_text("No exception item 999999 among the items")).to_be_visible()
    sign_in(page, f"{url}/finance?record=nonsense", "fiona")
    expect(page.get_by_text("is not a record address")).to_be_visible()
    sign_in(page, f"{url}/?record=stripe:in_does_not_exist", "fiona")
    heading(page, "Record view")
    expect(page.get_by_text("No Stripe record in_does_not_exist")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
