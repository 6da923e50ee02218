"""Each role's first screen at 1400×900: its headline elements are in view without scrolling."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from core.business_calendar import closing_period
from core.config.calendar import CalendarSettings
from core.display import rate_day
from testkit.dashboard_store import NOW
from tests.app.browser_kit import RunningDashboard, assert_above_the_fold, heading, sign_in

pytestmark = pytest.mark.browser


def test_finance_sees_the_close_its_blockers_and_the_top_five(
    page: Page, shared_dashboard: RunningDashboard
) -> None:
    sign_in(page, shared_dashboard.url, "fiona")
    heading(page, "Close readiness")
    main = page.locator('[data-testid="stMain"]')
    period = closing_period(NOW, ZoneInfo("Europe/Berlin"), CalendarSettings())
    due = f"(due {period.deadline:%a} {rate_day(period.deadline)})"
    close_line = main.get_by_text(f"{period.name} · ").filter(has_text=due)
    assert_above_the_fold(page, close_line)
    tiles = main.locator('[data-testid="stMetric"]')
    expect(tiles).to_have_count(4)
    assert_above_the_fold(page, tiles)
    labels = [label.strip() for label in tiles.locator("label").all_inner_texts()]
    assert labels == [
        f"Blocking the {period.name} close",
        "Unposted invoices and payments",
        "Amount mismatches",
        "Oldest blocker",
    ]
    expect(main.get_by_text("What blocks the close, largest first")).to_be_visible()
    blockers = main.locator('[data-testid="stDataFrame"]').first
    assert_above_the_fold(page, blockers)
    # The header row and five blockers, in the table's accessibility copy (it draws on a canvas).
    expect(blockers.locator('[role="grid"]')).to_have_attribute("aria-rowcount", "6")


def test_integration_sees_the_firing_alert_and_its_button(
    page: Page, shared_dashboard: RunningDashboard
) -> None:
    sign_in(page, f"{shared_dashboard.url}/alerts", "ivan")
    heading(page, "Alerts & silences")
    main = page.locator('[data-testid="stMain"]')
    tiles = main.locator('[data-testid="stMetric"]')
    expect(tiles).to_have_count(3)
    assert [t.strip() for t in tiles.locator("label").all_inner_texts()] == [
        "Firing",
        "Pending",
        "Stale",
    ]
    assert_above_the_fold(page, tiles)
    acknowledge = page.get_by_role("button", name="Acknowledge", exact=True)
    # The alert's bordered card: the innermost block with its title and its button.
    card = (
        main.locator('[data-testid="stVerticalBlock"]')
        .filter(has_text="Invoices failed to post to the ERP")
        .filter(has=acknowledge)
        .last
    )
    assert_above_the_fold(page, card)
    assert_above_the_fold(page, acknowledge)


def test_the_fold_check_refuses_what_needs_scrolling(
    page: Page, shared_dashboard: RunningDashboard
) -> None:
    sign_in(page, shared_dashboard.url, "fiona")
    heading(page, "Close readiness")
    below = page.get_by_role("heading", name="Open items", exact=True)
    below.scroll_into_view_if_needed()
    with pytest.raises(AssertionError, match="outside the 1400×900 viewport"):
        assert_above_the_fold(page, below)
