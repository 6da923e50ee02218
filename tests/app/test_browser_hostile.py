"""Hostile text from sources and people, shown in Chromium: as text, never as links or images.

A CRM or billing record can carry any name and id, and people type assignees and notes. The
pages must show them literally, fetch nothing from the hosts they name, and export them to CSV
so a spreadsheet never runs them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from alerts.messages import Money
from alerts.weekly import TopException, build_weekly_report, store_report
from alerts.weekly_risks import NewRisk
from core.config import Settings
from core.database import Database
from core.store.records import CanonicalRecord, upsert_records
from testkit.dashboard_store import NOW, PASSWORD
from tests.app.browser_kit import chromium, dashboard, heading, tab
from tests.postgres import create_database, drop_database, with_database

pytestmark = pytest.mark.browser

EVIL = "evil.example"
HOSTILE_ID = f"in_[x](http://{EVIL}/id)"
HOSTILE_NAME = (
    f"![p](http://{EVIL}/p.png) <img src=http://{EVIL}/i.png> **bold** :red[alarm] "
    f"www.{EVIL} ada@{EVIL}"
)
HOSTILE_ASSIGNEE = f'=HYPERLINK("http://{EVIL}","x")'


@pytest.fixture(scope="module")
def hostile_store(pg_admin_url: str, seeded_template: str) -> Iterator[Database]:
    """The seeded store plus one Stripe invoice and one exception item full of hostile text."""
    name = create_database(pg_admin_url, template=seeded_template)
    db = Database(with_database(pg_admin_url, name))
    record = CanonicalRecord(
        system="stripe",
        object_type="invoice",
        external_id=HOSTILE_ID,
        payload={"id": HOSTILE_ID, "customer_name": HOSTILE_NAME},
        name=HOSTILE_NAME,
        status="open",
        amount_minor=123_456,
        currency="USD",
        created_at=NOW - timedelta(days=2),
        updated_at=NOW - timedelta(days=2),
        finalized_at=NOW - timedelta(days=2),
    )
    with db.connection() as conn, conn.transaction():
        upsert_records(conn, [record], at=NOW)
        conn.execute(
            "INSERT INTO exception_item (fingerprint, metric, labels, system, object_type, "
            "external_id, amount_minor, currency, owner, assignee, note, since, first_seen, "
            "last_seen) VALUES ('hostile', 'posting_failures', '{\"age_bucket\": \"gt_7d\"}', "
            "'stripe', 'invoice', %s, 99999999, 'USD', 'finance', %s, %s, %s, %s, %s)",
            (HOSTILE_ID, HOSTILE_ASSIGNEE, HOSTILE_NAME, NOW, NOW, NOW),
        )
        report = build_weekly_report(conn, Settings(), None, NOW)
        hostile = [
            TopException(system="stripe", object_type="invoice", external_id=text,
                         metrics=["posting_failures"], amount=Money(amount_minor=1, currency="USD"),
                         since=NOW, owner="finance")
            for text in (HOSTILE_ID, HOSTILE_NAME)
        ]  # fmt: skip
        risks = [
            NewRisk(system="stripe", object_type="invoice", external_id=HOSTILE_ID,
                    name=HOSTILE_ID, customer=HOSTILE_NAME, metrics=["posting_failures"],
                    amount=Money(amount_minor=99_999_999, currency="USD"), converted=None,
                    found_at=NOW, since=NOW, owner="finance", assignee=HOSTILE_ASSIGNEE)
        ]  # fmt: skip
        store_report(
            conn, report.model_copy(update={"top_exceptions": hostile, "new_risks": risks})
        )
    yield db
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="module")
def base_url(hostile_store: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = tmp_path_factory.mktemp("hostile") / "syncwatch.yaml"
    config.write_text("timezone: UTC\n", encoding="utf-8")
    with dashboard(config, {"DATABASE_URL": hostile_store.url}) as url:
        yield url


def _sign_in(page: Page, url: str, title: str) -> None:
    """Open ``url`` and sign in as the finance lead there (the typed URL survives sign-in)."""
    page.goto(url)
    page.get_by_role("textbox", name="User name").fill("fiona")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    heading(page, title)


def _outside_requests(page: Page) -> list[str]:
    """Record (and refuse) every request that leaves loopback; the hostile host is never asked."""
    outside: list[str] = []

    def route(route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return outside


def _main_text(page: Page, wanted: tuple[str, ...], seconds: float = 30) -> str:
    """The page's text (word joiners removed) once it holds every part of ``wanted``: the
    record card follows the sign-in and the page's title by a redraw or two."""
    deadline = time.monotonic() + seconds
    while True:
        shown = page.locator("main").inner_text().replace("\u2060", "")
        if all(part in shown for part in wanted) or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(200)


def _no_live_markup(page: Page) -> None:
    expect(page.locator(f'a[href*="{EVIL}"]')).to_have_count(0)
    expect(page.locator(f'img[src*="{EVIL}"]')).to_have_count(0)


def test_record_view_shows_hostile_names_and_ids_as_text(base_url: str) -> None:
    with chromium() as browser, tab(browser) as page:
        outside = _outside_requests(page)
        _sign_in(page, f"{base_url}/record?system=stripe&id={quote(HOSTILE_ID)}", "Record view")
        wanted = (HOSTILE_ID, HOSTILE_NAME.replace("  ", " "))
        shown = _main_text(page, wanted)
        assert all(part in shown for part in wanted), shown
        _no_live_markup(page)
        assert not [u for u in outside if EVIL in u]


def test_finance_page_and_its_csv_keep_hostile_text_inert(base_url: str, tmp_path: Path) -> None:
    with chromium() as browser, tab(browser) as page:
        outside = _outside_requests(page)
        _sign_in(page, base_url, "Close readiness")
        _no_live_markup(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").first.click()
        saved = tmp_path / "items.csv"
        download.value.save_as(saved)
        text = saved.read_text(encoding="utf-8")
        assert f"'{HOSTILE_ASSIGNEE}".replace('"', '""') in text
        assert "\n=" not in text and ",=" not in text
        assert not [u for u in outside if EVIL in u]


def test_weekly_report_on_the_executive_page_keeps_hostile_ids_inert(base_url: str) -> None:
    with chromium() as browser, tab(browser) as page:
        outside = _outside_requests(page)
        page.goto(base_url)
        page.get_by_role("textbox", name="User name").fill("erin")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        heading(page, "KPI overview")
        report = page.locator('[data-testid="stExpander"]').first
        report.locator("summary").click()
        expect(report.get_by_text("Largest open risks, per currency")).to_be_visible()
        # The tables are drawn as they scroll into view: bring the last one in first.
        risk = report.locator('[data-testid="stTable"]').filter(has_text="Open for")
        report.locator('[data-testid="stTable"]').last.scroll_into_view_if_needed()
        expect(risk).to_be_visible()
        shown = report.inner_text().replace("\u2060", "")
        assert HOSTILE_ID in shown and HOSTILE_NAME.replace("  ", " ") in shown
        risk_text = risk.inner_text().replace("\u2060", "")
        assert f"Stripe invoice {HOSTILE_ID} · {HOSTILE_NAME.replace('  ', ' ')}" in risk_text
        assert f"finance, assigned to {HOSTILE_ASSIGNEE}" in risk_text
        _no_live_markup(page)
        assert not [u for u in outside if EVIL in u]
