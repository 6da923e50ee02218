"""A store outage on the dashboard: one sentence on every page, never a traceback.

The outage is real: the URL names a port nothing listens on, or the test database stops
accepting connections and its sessions are cut, as when the server stops.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import streamlit as st
from playwright.sync_api import Page, expect
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from streamlit.testing.v1 import AppTest

from app.navigation import PAGES
from app.queries.core import STORE_UNREACHABLE
from core.database import Database
from testkit.dashboard_store import PASSWORD
from tests.app.apptest_helpers import APP, signed_in
from tests.app.browser_kit import chromium, dashboard, heading, tab
from tests.postgres import create_database, drop_database, with_database

# What must never reach the page: exception names, library names, file paths, addresses.
DETAILS = re.compile(r"Traceback|Error\b|psycopg|\.py\b|/work/|127\.0\.0\.1|postgresql://")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def stopped(admin_url: str, db: Database) -> Iterator[None]:
    """The database refuses new connections and its open sessions are cut, then comes back."""
    name = str(conninfo_to_dict(db.url)["dbname"])
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name))
        )
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            yield
        finally:
            conn.execute(
                sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name))
            )


def shown(at: AppTest) -> str:
    """Every text the run drew, as one string."""
    parts = [str(e.value) for kind in ("markdown", "caption", "text", "error", "warning", "info")
             for e in getattr(at, kind)]  # fmt: skip
    return "\n".join(parts)


@pytest.fixture
def clean_streamlit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No runtime or cached data left over, before or after."""
    monkeypatch.delenv("SYNCWATCH_CONFIG", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.mark.usefixtures("clean_streamlit")
def test_signing_in_without_a_store_says_so_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://syncwatch@127.0.0.1:{_closed_port()}/x")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    at.text_input(key="signin.name").input("ada")
    at.text_input(key="signin.password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [STORE_UNREACHABLE]
    assert not DETAILS.search(shown(at)), shown(at)


@pytest.mark.usefixtures("app_env")
def test_a_signed_in_person_sees_one_sentence_while_the_store_is_down(
    app_env: Database, pg_admin_url: str
) -> None:
    at = signed_in("ada")
    assert not at.exception and not at.error
    with stopped(pg_admin_url, app_env):
        st.cache_data.clear()
        # Every page passes the same gate, which reads the person's roles from the store.
        for spec in (PAGES[0], PAGES[-1]):
            at.switch_page(spec.script).run()
            assert not at.exception, (spec.script, at.exception)
            assert [e.value for e in at.error] == [STORE_UNREACHABLE], spec.script
            assert not DETAILS.search(shown(at)), shown(at)
    # The pool replaces the connections the outage cut (its reconnect backs off, so give it a
    # few clicks): the page comes back without a restart.
    for _ in range(3):
        at.switch_page(PAGES[0].script).run()
        if not at.error:
            break
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == [PAGES[0].title]


@pytest.fixture
def browser_store(pg_admin_url: str, seeded_template: str) -> Iterator[Database]:
    """A seeded store of its own (its tables are renamed and its connections cut)."""
    name = create_database(pg_admin_url, template=seeded_template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


def test_the_browser_never_sees_exception_details(
    browser_store: Database, pg_admin_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "syncwatch.yaml"
    config.write_text("timezone: UTC\n", encoding="utf-8")
    with (
        dashboard(config, {"DATABASE_URL": browser_store.url}) as url,
        chromium() as browser,
        tab(browser) as page,
    ):
        page.goto(url)
        page.get_by_role("textbox", name="User name").fill("ada")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        heading(page, PAGES[0].title)

        # A failure that is not an outage (here a missing table) is still not shown in detail.
        with psycopg.connect(browser_store.url, autocommit=True) as conn:
            conn.execute("ALTER TABLE audit_log RENAME TO gone_audit_log")
        open_page(page, "Audit log")
        expect(page.locator('[data-testid="stException"]')).to_have_count(1)
        assert_no_details(page)

        with stopped(pg_admin_url, browser_store):
            open_page(page, "Users & roles")
            expect(page.get_by_text(STORE_UNREACHABLE)).to_be_visible(timeout=40_000)
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
            assert_no_details(page)


def open_page(page: Page, title: str) -> None:
    """Click ``title`` in the sidebar menu."""
    page.locator('[data-testid="stSidebar"]').get_by_text(title, exact=True).click()


def assert_no_details(page: Page) -> None:
    """The page's main area names no exception, library, file or address."""
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=40_000)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert not DETAILS.search(text), text
