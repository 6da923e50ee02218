"""The dashboard in headless Chromium against a running ``syncwatch dashboard`` on loopback.

Every role's pages, and the sign-in screen with a wrong password, are walked in
test_browser_walk.py; these tests look at refusals, the sign-in pause and one drill-down. The
tests that acknowledge an item or pause a sign-in use the module's own dashboard, so the shared
one stays as seeded.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.app.browser_kit import RunningDashboard, heading, screenshot, sign_in, tab, wait_idle

pytestmark = pytest.mark.browser


def test_people_see_no_developer_toolbar(page: Page, shared_dashboard: RunningDashboard) -> None:
    sign_in(page, shared_dashboard.url, "fiona")
    heading(page, "Close readiness")
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)


def test_forbidden_url_says_not_allowed(page: Page, shared_dashboard: RunningDashboard) -> None:
    # A typed URL starts a new session: sign in there, and the page itself refuses.
    sign_in(page, f"{shared_dashboard.url}/finance", "erin")
    expect(page.get_by_text("Not allowed: your roles do not include this page.")).to_be_visible()


def test_drill_down_and_acknowledge_show_in_audit_log(
    page: Page, browser: Browser, own_dashboard: RunningDashboard
) -> None:
    sign_in(page, own_dashboard.url, "fiona")
    heading(page, "Close readiness")
    # The chosen item's own form (the one that also opens its record).
    item_form = page.locator('[data-testid="stForm"]').filter(
        has=page.get_by_role("button", name="Open record")
    )
    item_form.get_by_role("button", name="Acknowledge", exact=True).click()
    # Messages are shown as plain text: a word joiner follows each colon (app/text.py).
    done = re.compile("Item #\\d+ acknowledged:\u2060? recorded in the audit log")
    expect(page.get_by_text(done)).to_be_visible()
    wait_idle(page)
    item_form.get_by_role("button", name="Open record").click()
    heading(page, "Record view")
    assert "system=stripe" in page.url and "id=in_" in page.url
    expect(page.get_by_role("heading", name="Middleware log trail")).to_be_visible()
    screenshot(page, "fiona_record_drilldown")
    with tab(browser) as admin:
        sign_in(admin, own_dashboard.url, "ada")
        admin.locator('[data-testid="stSidebar"]').get_by_text("Audit log", exact=True).click()
        heading(admin, "Audit log")
        # The data grid draws on a canvas; its cells live in an accessibility table.
        cells = admin.locator('[role="gridcell"]')
        expect(cells.filter(has_text=re.compile(r"^exception item #\d+$")).first).to_be_attached()
        expect(cells.filter(has_text=re.compile(r"^Acknowledged$")).first).to_be_attached()


def test_ten_failures_pause_sign_in(page: Page, own_dashboard: RunningDashboard) -> None:
    for attempt in range(10):
        sign_in(page, own_dashboard.url, "ivan", f"guess-{attempt}")
        expect(page.get_by_text(re.compile("Wrong user name|Too many wrong"))).to_be_visible()
    sign_in(page, own_dashboard.url, "ivan")
    expect(page.get_by_text(re.compile("Too many wrong passwords in a row"))).to_be_visible()
    screenshot(page, "signin_throttled")
