"""The administrator manages users in the app: add, change roles, reset a password, disable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from core.database import Database
from testkit.dashboard_store import PASSWORD
from tests.app.browser_kit import chromium, dashboard, heading, screenshot, tab
from tests.postgres import create_database, drop_database, with_database

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store(pg_admin_url: str, seeded_template: str) -> Iterator[Database]:
    name = create_database(pg_admin_url, template=seeded_template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="module")
def base_url(store: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = tmp_path_factory.mktemp("admin") / "syncwatch.yaml"
    config.write_text("timezone: Europe/Berlin\n", encoding="utf-8")
    with dashboard(config, {"DATABASE_URL": store.url}) as url:
        yield url


def _sign_in(page: Page, url: str, name: str, password: str, title: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    heading(page, title)


def _form(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stForm"]', has_text=name)


def _choose_roles(page: Page, form_text: str, roles: list[str]) -> None:
    form = _form(page, form_text)
    for role in roles:
        form.get_by_role("combobox").last.click()
        page.get_by_role("option", name=role, exact=True).click()
        page.keyboard.press("Escape")
        expect(form.get_by_text(role, exact=True)).to_be_visible()


def test_admin_adds_a_user_changes_roles_and_resets_the_password(
    base_url: str, store: Database
) -> None:
    with chromium() as browser, tab(browser) as admin:
        _sign_in(admin, base_url, "ada", PASSWORD, "KPI overview")
        admin.locator('[data-testid="stSidebar"]').get_by_text("Users & roles", exact=True).click()
        heading(admin, "Users & roles")
        add = _form(admin, "Add a user")
        add.get_by_label("User name").fill("nina")
        _choose_roles(admin, "Add a user", ["Finance"])
        add.get_by_label("Password", exact=True).fill("first secret")
        add.get_by_label("Password again").fill("first secret")
        add.get_by_role("button", name="Add user").click()
        expect(admin.get_by_text("nina added.")).to_be_visible()
        expect(admin.locator('[role="gridcell"]', has_text="nina").first).to_be_attached()

        admin.get_by_label("User", exact=True).click()
        admin.get_by_role("option", name="nina", exact=True).click()
        heading(admin, "Users & roles")
        expect(_form(admin, "Save roles").get_by_text("Finance", exact=True)).to_be_visible()
        _choose_roles(admin, "Save roles", ["RevOps"])
        _form(admin, "Save roles").get_by_role("button", name="Save roles").click()
        expect(admin.get_by_text("Roles of nina saved.")).to_be_visible()
        admin.get_by_label("User", exact=True).click()
        admin.get_by_role("option", name="nina", exact=True).click()
        heading(admin, "Users & roles")
        reset = _form(admin, "Reset password")
        reset.get_by_label("New password", exact=True).fill("second secret")
        reset.get_by_label("New password again").fill("second secret")
        reset.get_by_role("button", name="Reset password").click()
        expect(admin.get_by_text("Password of nina reset")).to_be_visible()
        screenshot(admin, "admin_users")

    with chromium() as browser, tab(browser) as nina:
        _sign_in(nina, base_url, "nina", "second secret", "Close readiness")
        menu = nina.locator('[data-testid="stSidebar"]')
        expect(menu.get_by_text("Accounts & amendments", exact=True)).to_have_count(1)
    with store.connection() as conn:
        actions = [
            a for (a,) in conn.execute(
                "SELECT action FROM audit_log WHERE target_id = 'nina' "
                "AND action LIKE 'user.%%' ORDER BY id"
            ).fetchall()
        ]  # fmt: skip
    assert actions == ["user.add", "user.roles", "user.password"]


def test_a_user_without_the_admin_role_cannot_open_the_page(base_url: str) -> None:
    with chromium() as browser, tab(browser) as page:
        page.goto(f"{base_url}/users")
        page.get_by_role("textbox", name="User name").fill("fiona")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Not allowed", exact=False).first).to_be_visible()
        expect(page.get_by_role("heading", name="Users & roles")).to_have_count(0)
        expect(page.get_by_role("button", name="Add user")).to_have_count(0)
