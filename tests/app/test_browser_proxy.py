"""Proxy-header sign-in in headless Chromium, through the real ``syncwatch dashboard``.

Playwright's extra HTTP headers stand in for the reverse proxy: Chromium sends them on the
page request and on the WebSocket handshake, which is where the app reads them
(``st.context.headers``); the admin getting in proves the secret reached it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import yaml
from playwright.sync_api import Browser, expect

from app.navigation import PAGES
from core.database import Database
from tests.app.browser_kit import dashboard, menu, open_each, screenshot, tab
from tests.postgres import create_database, drop_database, with_database

pytestmark = pytest.mark.browser

SECRET = "proxy-shared-secret-for-tests-0123456789"
ADMIN = {"X-Forwarded-Email": "ada@example.com"}
ROLES = {"ada@example.com": ["admin"]}


@contextmanager
def _store(pg_admin_url: str, template: str) -> Iterator[Database]:
    name = create_database(pg_admin_url, template=template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


def _config(path: Path, auth: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump({"auth": auth}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def behind_proxy(
    pg_admin_url: str, seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A dashboard trusting a proxy on loopback that also sends the shared secret."""
    config = _config(
        tmp_path_factory.mktemp("proxy") / "syncwatch.yaml",
        {
            "mode": "proxy",
            "proxy_header": "X-Forwarded-Email",
            "trusted_proxies": ["127.0.0.1/32", "::1/128"],
            "proxy_secret_env": "SYNCWATCH_TEST_PROXY_SECRET",
            "roles": ROLES,
        },
    )
    with _store(pg_admin_url, seeded_template) as store:
        env = {"DATABASE_URL": store.url, "SYNCWATCH_TEST_PROXY_SECRET": SECRET}
        with dashboard(config, env) as url:
            yield url


@pytest.fixture(scope="module")
def elsewhere(
    pg_admin_url: str, seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Database]]:
    """A dashboard whose only trusted proxy is on another network (TEST-NET-1)."""
    config = _config(
        tmp_path_factory.mktemp("elsewhere") / "syncwatch.yaml",
        {
            "mode": "proxy",
            "proxy_header": "X-Forwarded-Email",
            "trusted_proxies": ["192.0.2.0/24"],
            "roles": ROLES,
        },
    )
    with (
        _store(pg_admin_url, seeded_template) as store,
        dashboard(config, {"DATABASE_URL": store.url}) as url,
    ):
        yield url, store


def test_mapped_admin_through_the_trusted_proxy_opens_every_page(
    browser: Browser, behind_proxy: str
) -> None:
    headers = {**ADMIN, "X-Syncwatch-Proxy-Secret": SECRET}
    with tab(browser, headers) as page:
        page.goto(behind_proxy)
        titles = [p.title for p in PAGES]
        assert menu(page) == titles
        expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("ada@example.com")
        open_each(page, titles)
        screenshot(page, "proxy_admin_audit")


@pytest.mark.parametrize("secret", [None, "not-the-secret"], ids=["missing", "wrong"])
def test_the_identity_header_without_the_secret_is_refused(
    browser: Browser, behind_proxy: str, secret: str | None
) -> None:
    headers = ADMIN if secret is None else {**ADMIN, "X-Syncwatch-Proxy-Secret": secret}
    with tab(browser, headers) as page:
        page.goto(f"{behind_proxy}/audit")
        expect(
            page.get_by_text("Not signed in: this request did not come through the sign-in proxy")
        ).to_be_visible()
        expect(page.locator('[data-testid="stPageLink"]')).to_have_count(0)
        screenshot(page, f"proxy_refused_{'missing' if secret is None else 'wrong'}_secret")


def test_a_connection_from_outside_the_trusted_proxies_is_refused_and_reads_nothing(
    browser: Browser, elsewhere: tuple[str, Database]
) -> None:
    url, store = elsewhere
    # Tables renamed away: a request that got past the gate would fail on them.
    with psycopg.connect(store.url, autocommit=True) as conn:
        for table in ("metric_evaluation", "metric_series", "exception_item", "audit_log"):
            conn.execute(f"ALTER TABLE {table} RENAME TO gone_{table}")
    # X-Forwarded-For naming a trusted address is not believed: the server reports the peer.
    headers = {**ADMIN, "X-Forwarded-For": "192.0.2.10"}
    with tab(browser, headers) as page:
        page.goto(url)
        expect(
            page.get_by_text(
                "Not signed in: this connection (from loopback) does not come from the sign-in "
                "proxy"
            )
        ).to_be_visible()
        expect(page.locator('[data-testid="stPageLink"]')).to_have_count(0)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        screenshot(page, "proxy_refused_address")
