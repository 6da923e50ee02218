"""Fixtures for the dashboard: a seeded store cloned per test, a clean Streamlit cache, and
running dashboards with Chromium for the browser tests.

Browser tests that only read use ``shared_dashboard``: one ``syncwatch dashboard`` per test
worker over its own copy of the seeded store. A module whose tests change the store (add a
user, acknowledge, pause a sign-in) uses ``own_dashboard`` instead, so no test sees another's
changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from playwright.sync_api import Browser, Page

from core.database import Database
from testkit.dashboard_store import seed
from tests.app.browser_kit import RunningDashboard, chromium, dashboard, tab
from tests.postgres import create_database, drop_database, with_database

# A zone away from UTC (instants must say CET, not +00:00) and Stripe's web address, so pages
# link records to their source.
DASHBOARD_CONFIG = """\
timezone: Europe/Berlin
sources:
  stripe:
    type: stripe
    api_key_env: DASHBOARD_STRIPE_KEY
    web_url: https://dashboard.stripe.com
"""
DASHBOARD_ENV = {"DASHBOARD_STRIPE_KEY": "sk_test_unused"}


@pytest.fixture(scope="session")
def seeded_template(pg_admin_url: str, migrated_template: str) -> Iterator[str]:
    """A migrated database holding a seeded sandbox world, cloned by the tests."""
    name = create_database(pg_admin_url, template=migrated_template)
    seed(Database(with_database(pg_admin_url, name)))
    yield name
    drop_database(pg_admin_url, name)


@pytest.fixture
def seeded_db(pg_admin_url: str, seeded_template: str) -> Iterator[Database]:
    """A fresh copy of the seeded store."""
    name = create_database(pg_admin_url, template=seeded_template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


@pytest.fixture
def app_env(seeded_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The app pointed at the seeded store, with no runtime or cached data left over."""
    monkeypatch.setenv("DATABASE_URL", seeded_db.url)
    monkeypatch.delenv("SYNCWATCH_CONFIG", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield seeded_db
    st.cache_resource.clear()
    st.cache_data.clear()


@contextmanager
def _seeded_dashboard(admin_url: str, template: str, folder: Path) -> Iterator[RunningDashboard]:
    """A dashboard over a fresh copy of the seeded store, stopped and dropped afterwards."""
    name = create_database(admin_url, template=template)
    store = Database(with_database(admin_url, name))
    config = folder / "syncwatch.yaml"
    config.write_text(DASHBOARD_CONFIG, encoding="utf-8")
    try:
        with dashboard(config, {"DATABASE_URL": store.url, **DASHBOARD_ENV}) as url:
            yield RunningDashboard(url, store)
    finally:
        drop_database(admin_url, name)


@pytest.fixture(scope="session")
def shared_dashboard(
    pg_admin_url: str, seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDashboard]:
    """One dashboard per test worker for the tests that only read (and sign in)."""
    folder = tmp_path_factory.mktemp("shared-dashboard")
    with _seeded_dashboard(pg_admin_url, seeded_template, folder) as running:
        yield running


@pytest.fixture(scope="module")
def own_dashboard(
    pg_admin_url: str, seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDashboard]:
    """A dashboard over the module's own copy of the seeded store, for tests that change it."""
    folder = tmp_path_factory.mktemp("own-dashboard")
    with _seeded_dashboard(pg_admin_url, seeded_template, folder) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the module's tests."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser session (a new Streamlit session, signed out) at 1400×900."""
    with tab(browser) as opened:
        yield opened
