"""Every page of every role, read as a person would at 1400×900: nothing on it looks raw.

Each role signs in, finds exactly its pages in the menu (app/navigation.py), opens each with
its expanders and tabs, and, where the role may open records, a record and an exception item
through the ``?record=`` and ``?item=`` deep links. The test fails listing, per page, every
piece of visible text that tests/app/raw_text.py names as raw.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from app.navigation import allowed_pages
from core.config.models import Role
from core.database import Database
from core.roles import ROLES, Identity
from testkit.dashboard_store import ROLE_USERS
from tests.app.browser_kit import (
    RunningDashboard,
    heading,
    menu,
    screenshot,
    sign_in,
    texts_of_every_view,
    visible_text,
    wait_idle,
)
from tests.app.raw_text import raw_findings

pytestmark = pytest.mark.browser

# The seeded user holding exactly each role.
ROLE_USER: dict[Role, str] = {
    roles[0]: name for name, roles in ROLE_USERS.items() if len(roles) == 1
}
# The exception item a role opens by its deep link: one of its own team's where it has one.
ITEM_METRIC: dict[Role, str] = {"revops": "unmatched_accounts"}
LANDED = re.compile(r"/[a-z]+\?(?:item|system)=")


def findings(page: Page, title: str) -> list[str]:
    """The raw pieces of every view of the page titled ``title`` (each tab, expanders open)."""
    texts = texts_of_every_view(page)
    assert title in texts[0], f"the text read is not the page {title!r}'s"
    return list(dict.fromkeys(f for text in texts for f in raw_findings(text)))


def assert_drawn(page: Page) -> None:
    """The page drew without an error or a refusal (run after ``wait_idle``)."""
    errors = page.locator('[data-testid="stException"]').all_inner_texts()
    assert not errors, f"the page shows an error: {errors}"
    expect(page.get_by_text("Not allowed")).to_have_count(0)


def deep_links(store: Database, role: Role) -> dict[str, str]:
    """The record and the exception item a role opens by address, by what they are."""
    metric = ITEM_METRIC.get(role, "posting_failures")
    with store.connection() as conn:
        row = conn.execute(
            "SELECT id, system, external_id FROM exception_item "
            "WHERE metric = %s AND resolved_at IS NULL ORDER BY id LIMIT 1",
            (metric,),
        ).fetchone()
    assert row is not None, f"the seeded store has no open {metric} item"
    item, system, external_id = row
    return {
        f"record {system}:{external_id}": f"?record={quote(f'{system}:{external_id}')}",
        f"item #{item} ({metric})": f"?item={item}",
    }


def report(found: dict[str, list[str]]) -> str:
    """The raw text found, page by page."""
    return "raw text on the page:\n" + "\n".join(
        f"  {where}: {' | '.join(pieces)}" for where, pieces in found.items() if pieces
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_reads_in_words(
    page: Page, shared_dashboard: RunningDashboard, role: Role
) -> None:
    name = ROLE_USER[role]
    identity = Identity(name, frozenset({role}))
    specs = allowed_pages(identity)
    sign_in(page, shared_dashboard.url, name)
    heading(page, specs[0].title)
    assert menu(page) == [spec.title for spec in specs]
    found: dict[str, list[str]] = {}
    for spec in specs:
        page.locator('[data-testid="stSidebar"]').get_by_text(spec.title, exact=True).click()
        heading(page, spec.title)
        assert_drawn(page)
        found[spec.title] = findings(page, spec.title)
        screenshot(page, f"walk_{role}_{spec.url_path}")
    if identity.may("record"):
        for what, address in deep_links(shared_dashboard.store, role).items():
            sign_in(page, f"{shared_dashboard.url}/{address}", name)
            # Signed in, the address switches to its page (record?system=…, finance?item=…).
            page.wait_for_url(LANDED)
            wait_idle(page)
            title = page.locator('[data-testid="stMain"] h1').first
            expect(title).not_to_have_text("syncwatch")
            assert_drawn(page)
            found[what] = findings(page, title.inner_text().strip())
            screenshot(page, f"walk_{role}_{what.split()[0]}")
    assert not any(found.values()), report(found)


def test_sign_in_screen_reads_in_words(page: Page, shared_dashboard: RunningDashboard) -> None:
    page.goto(shared_dashboard.url)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    found = {"sign-in": raw_findings(visible_text(page))}
    # A name nobody holds: its failure pauses no one's sign-in.
    sign_in(page, shared_dashboard.url, "nobody-walks-here", "wrong")
    expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    found["wrong password"] = raw_findings(visible_text(page))
    screenshot(page, "walk_signin_refused")
    assert not any(found.values()), report(found)
