"""The administrator manages users in the app: add, change roles, reset a password, disable."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.app.browser_kit import (
    RunningDashboard,
    heading,
    open_choices,
    screenshot,
    sign_in,
    tab,
    wait_idle,
)

pytestmark = pytest.mark.browser


def _form(page: Page, name: str) -> Locator:
    return page.locator('[data-testid="stForm"]', has_text=name)


def _choose_roles(page: Page, form_text: str, roles: list[str]) -> None:
    form = _form(page, form_text)
    for role in roles:
        open_choices(page, form.get_by_role("combobox").last)
        page.get_by_role("option", name=role, exact=True).click()
        page.keyboard.press("Escape")
        expect(form.get_by_text(role, exact=True)).to_be_visible()


def _pick_user(page: Page, name: str) -> None:
    """Choose ``name`` in the user box (opened once the run that redraws it has finished, so
    the box is not found twice mid-redraw)."""
    wait_idle(page)
    open_choices(page, page.get_by_label("User", exact=True))
    page.get_by_role("option", name=name, exact=True).click()


def test_admin_adds_a_user_changes_roles_and_resets_the_password(
    browser: Browser, own_dashboard: RunningDashboard
) -> None:
    with tab(browser) as admin:
        sign_in(admin, own_dashboard.url, "ada")
        heading(admin, "KPI overview")
        admin.locator('[data-testid="stSidebar"]').get_by_text("Users & roles", exact=True).click()
        heading(admin, "Users & roles")
        add = _form(admin, "Add a user")
        add.get_by_label("User name").fill("nina")
        add.get_by_role("textbox", name="E-mail (optional)").fill("Nina@Example.com")
        _choose_roles(admin, "Add a user", ["Finance"])
        add.get_by_label("Password", exact=True).fill("first secret")
        add.get_by_label("Password again").fill("first secret")
        add.get_by_role("button", name="Add user").click()
        expect(admin.get_by_text("nina added.")).to_be_visible()
        expect(admin.locator('[role="gridcell"]', has_text="nina").first).to_be_attached()

        _pick_user(admin, "nina")
        heading(admin, "Users & roles")
        expect(_form(admin, "Save roles").get_by_text("Finance", exact=True)).to_be_visible()
        _choose_roles(admin, "Save roles", ["RevOps"])
        _form(admin, "Save roles").get_by_role("button", name="Save roles").click()
        expect(admin.get_by_text("Roles of nina saved.")).to_be_visible()
        _pick_user(admin, "nina")
        heading(admin, "Users & roles")
        reset = _form(admin, "Reset password")
        reset.get_by_label("New password", exact=True).fill("second secret")
        reset.get_by_label("New password again").fill("second secret")
        reset.get_by_role("button", name="Reset password").click()
        expect(admin.get_by_text("Password of nina reset")).to_be_visible()
        _pick_user(admin, "nina")
        email = _form(admin, "Save e-mail")
        expect(email.get_by_role("textbox")).to_have_value("Nina@Example.com")
        email.get_by_role("textbox").fill("nina.b@example.com")
        email.get_by_role("button", name="Save e-mail").click()
        expect(admin.get_by_text("E-mail of nina saved.")).to_be_visible()
        expect(admin.locator('[role="gridcell"]', has_text="nina.b@example.com")).to_be_attached()
        screenshot(admin, "admin_users")

    with tab(browser) as nina:
        sign_in(nina, own_dashboard.url, "nina", "second secret")
        heading(nina, "Close readiness")
        menu = nina.locator('[data-testid="stSidebar"]')
        expect(menu.get_by_text("Accounts & amendments", exact=True)).to_have_count(1)
    with own_dashboard.store.connection() as conn:
        actions = [
            a for (a,) in conn.execute(
                "SELECT action FROM audit_log WHERE target_id = 'nina' "
                "AND action LIKE 'user.%%' ORDER BY id"
            ).fetchall()
        ]  # fmt: skip
    assert actions == ["user.add", "user.roles", "user.password", "user.email"]


def test_a_user_without_the_admin_role_cannot_open_the_page(
    page: Page, shared_dashboard: RunningDashboard
) -> None:
    sign_in(page, f"{shared_dashboard.url}/users", "fiona")
    expect(page.get_by_text("Not allowed", exact=False).first).to_be_visible()
    expect(page.get_by_role("heading", name="Users & roles")).to_have_count(0)
    expect(page.get_by_role("button", name="Add user")).to_have_count(0)
