"""The dashboard in headless Chromium against a running ``syncwatch dashboard`` on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.navigation import allowed_pages
from core.database import Database
from core.roles import Identity
from testkit.dashboard_store import PASSWORD, ROLE_USERS
from tests.app.apptest_helpers import expected_titles
from tests.app.browser_kit import SCREENSHOTS, chromium, dashboard, heading, menu, tab
from tests.postgres import create_database, drop_database, with_database

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store(pg_admin_url: str, seeded_template: str) -> Iterator[Database]:
    """One seeded store for the module's app process."""
    name = create_database(pg_admin_url, template=seeded_template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="module")
def base_url(store: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``syncwatch dashboard`` on a free loopback port, healthy."""
    config = tmp_path_factory.mktemp("dashboard") / "syncwatch.yaml"
    config.write_text("timezone: UTC\n", encoding="utf-8")
    with dashboard(config, {"DATABASE_URL": store.url}) as url:
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


def sign_in(page: Page, base_url: str, name: str, password: str = PASSWORD) -> None:
    """Open the app and submit the sign-in form."""
    page.goto(base_url)
    fill_sign_in(page, name, password)


def fill_sign_in(page: Page, name: str, password: str = PASSWORD) -> None:
    """Submit the sign-in form shown on the current page."""
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("name", list(ROLE_USERS))
def test_each_role_sees_its_pages(page: Page, base_url: str, name: str) -> None:
    sign_in(page, base_url, name)
    titles = expected_titles(ROLE_USERS[name])
    assert menu(page) == titles
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for spec in allowed_pages(Identity(name, frozenset(ROLE_USERS[name]))):
        page.locator('[data-testid="stSidebar"]').get_by_text(spec.title, exact=True).click()
        heading(page, spec.title)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        page.screenshot(path=str(SCREENSHOTS / f"{name}_{spec.url_path}.png"), full_page=True)


def test_people_see_no_developer_toolbar(page: Page, base_url: str) -> None:
    sign_in(page, base_url, "fiona")
    heading(page, "Close readiness")
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)


def test_forbidden_url_says_not_allowed(page: Page, base_url: str) -> None:
    # A typed URL starts a new session: sign in there, and the page itself refuses.
    page.goto(f"{base_url}/finance")
    fill_sign_in(page, "erin")
    expect(page.get_by_text("Not allowed: your roles do not include this page.")).to_be_visible()


def test_drill_down_and_acknowledge_show_in_audit_log(
    page: Page, browser: Browser, base_url: str
) -> None:
    sign_in(page, base_url, "fiona")
    heading(page, "Close readiness")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text(re.compile(r"Item #\d+: acknowledge recorded"))).to_be_visible()
    page.get_by_role("button", name="Open record").click()
    heading(page, "Record view")
    assert "system=stripe" in page.url and "id=in_" in page.url
    expect(page.get_by_role("heading", name="Middleware log trail")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "fiona_record_drilldown.png"), full_page=True)
    admin = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    sign_in(admin, base_url, "ada")
    admin.locator('[data-testid="stSidebar"]').get_by_text("Audit log", exact=True).click()
    heading(admin, "Audit log")
    # The data grid draws on a canvas; its cells live in an accessibility table.
    cell = admin.locator('[role="gridcell"]', has_text="exception.acknowledge")
    expect(cell.first).to_be_attached()


def test_wrong_password_is_refused_with_a_clear_message(page: Page, base_url: str) -> None:
    sign_in(page, base_url, "rory", "not the password")
    expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "signin_wrong_password.png"), full_page=True)


def test_ten_failures_pause_sign_in(page: Page, base_url: str) -> None:
    for attempt in range(10):
        sign_in(page, base_url, "ivan", f"guess-{attempt}")
        expect(page.get_by_text(re.compile("Wrong user name|Too many wrong"))).to_be_visible()
    sign_in(page, base_url, "ivan")
    expect(page.get_by_text(re.compile("Too many wrong passwords in a row"))).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "signin_throttled.png"), full_page=True)
