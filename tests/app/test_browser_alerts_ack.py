"""The alerts page in Chromium: acknowledging an alert, and the links Slack messages carry.

The seeded store has one firing alert (posting-failures on the invoice flow). The integration
engineer follows a Slack link to it, acknowledges it, sees who and when, goes back to every
alert and withdraws the acknowledgement.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.database import Database
from tests.app.browser_kit import RunningDashboard, heading, screenshot, sign_in

pytestmark = pytest.mark.browser

TITLE = "Alerts & silences"


def _alert(store: Database) -> tuple[int, str | None]:
    with store.connection() as conn:
        row = conn.execute(
            "SELECT id, acknowledged_by FROM alert WHERE rule = 'posting-failures'"
        ).fetchone()
    assert row is not None
    return int(row[0]), row[1]


def _main_text(page: Page) -> str:
    return page.locator("main").inner_text().replace("\u2060", "")


def test_slack_link_focuses_the_rule_and_the_button_acknowledges(
    page: Page, own_dashboard: RunningDashboard
) -> None:
    store = own_dashboard.store
    alert_id, _ = _alert(store)
    sign_in(page, f"{own_dashboard.url}/alerts?rule=posting-failures", "ivan")
    heading(page, TITLE)
    main = page.locator("main")
    expect(main.get_by_text("Showing only the alerts of the rule")).to_be_visible()
    expect(main.get_by_text("Invoices failed to post to the ERP").first).to_be_visible()
    expect(main.get_by_text("Not acknowledged yet.")).to_be_visible()
    expect(main.get_by_text("Silences in force")).to_be_visible()

    main.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(main.get_by_role("button", name="Un-acknowledge")).to_be_visible()
    heading(page, TITLE)
    shown = _main_text(page)
    assert f"Alert #{alert_id} (posting-failures: Invoices → ERP) " in shown
    assert "acknowledged by ivan." in shown
    assert "Acknowledged by ivan just now" in shown
    assert _alert(store) == (alert_id, "ivan")
    screenshot(page, "alerts-acknowledged")

    page.get_by_role("button", name="Show all alerts").click()
    expect(main.get_by_text("Showing only")).to_have_count(0)
    assert "rule=" not in page.url
    main.get_by_role("button", name="Un-acknowledge").click()
    expect(main.get_by_text("Not acknowledged yet.")).to_be_visible()
    assert "no longer acknowledged by ivan" in _main_text(page)
    assert _alert(store) == (alert_id, None)


def test_a_link_to_an_alert_that_is_over_says_so(
    page: Page, shared_dashboard: RunningDashboard
) -> None:
    sign_in(page, f"{shared_dashboard.url}/alerts?alert=999999", "ada")
    heading(page, TITLE)
    main = page.locator("main")
    expect(main.get_by_text("Showing only alert #999999")).to_be_visible()
    expect(main.get_by_text("It is not firing, pending or stale any more")).to_be_visible()
    expect(main.get_by_text("No alert is firing.")).to_be_visible()
    page.get_by_role("button", name="Show all alerts").click()
    expect(main.get_by_text("Invoices failed to post to the ERP").first).to_be_visible()
