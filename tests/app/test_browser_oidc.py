"""OIDC sign-in in headless Chromium: the real ``syncwatch dashboard`` and Streamlit's
``st.login`` against the local OpenID Connect provider stand-in (``sandbox.oidc``).
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
import yaml
from playwright.sync_api import Browser, Page, expect

from core.database import Database
from sandbox.oidc import OidcClient, StandInUser, create_oidc_app
from tests.app.apptest_helpers import expected_titles
from tests.app.browser_kit import (
    dashboard,
    free_port,
    heading,
    menu,
    open_each,
    screenshot,
    tab,
)
from tests.postgres import create_database, drop_database, with_database

pytestmark = pytest.mark.browser

CLIENT_ID = "syncwatch-dashboard"
CLIENT_SECRET = secrets.token_urlsafe(24)
USERS = (
    StandInUser("fiona", "fiona@example.com", "Fiona Finance", groups=("finance-team",)),
    StandInUser("rory", "rory@example.com", "Rory RevOps"),
    StandInUser("ivan", "ivan@example.com", "Ivan", groups=("integration",)),
    StandInUser("nora", "nora@example.com", "Nora Newcomer", groups=("interns",)),
    StandInUser("mallory", "mallory@example.com", fault="expired"),
    StandInUser("trudy", "trudy@example.com", groups=("finance-team",), fault="tampered"),
)
ROLES = {"finance-team": ["finance"], "rory@example.com": ["revops"]}


@pytest.fixture(scope="module")
def dashboard_port() -> int:
    """The dashboard's port, chosen first: it is part of the redirect URI the provider knows."""
    return free_port()


@pytest.fixture(scope="module")
def issuer(dashboard_port: int) -> Iterator[str]:
    """The provider stand-in on a loopback port, knowing the dashboard as its one client."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    client = OidcClient(CLIENT_ID, CLIENT_SECRET, (_redirect_uri(dashboard_port),))
    app = create_oidc_app(url, client, USERS)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the OIDC stand-in did not start")
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _redirect_uri(port: int) -> str:
    return f"http://127.0.0.1:{port}/oauth2callback"


@pytest.fixture(scope="module")
def base_url(
    pg_admin_url: str,
    seeded_template: str,
    issuer: str,
    dashboard_port: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The dashboard in OIDC mode, its secrets in the environment only."""
    config = tmp_path_factory.mktemp("oidc") / "syncwatch.yaml"
    auth = {
        "mode": "oidc",
        "oidc": {
            "issuer": issuer,
            "client_id": CLIENT_ID,
            "client_secret_env": "SYNCWATCH_TEST_OIDC_CLIENT_SECRET",
            "redirect_uri": _redirect_uri(dashboard_port),
            "cookie_secret_env": "SYNCWATCH_TEST_OIDC_COOKIE_SECRET",
            "roles_claim": "groups",
        },
        "roles": ROLES,
    }
    config.write_text(yaml.safe_dump({"auth": auth}), encoding="utf-8")
    name = create_database(pg_admin_url, template=seeded_template)
    env = {
        "DATABASE_URL": Database(with_database(pg_admin_url, name)).url,
        "SYNCWATCH_TEST_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "SYNCWATCH_TEST_OIDC_COOKIE_SECRET": secrets.token_hex(32),
    }
    try:
        with dashboard(config, env, dashboard_port) as url:
            yield url
    finally:
        drop_database(pg_admin_url, name)


def sign_in(page: Page, base_url: str, login: str) -> None:
    """Open the dashboard, go to the provider, sign in there and come back."""
    page.goto(base_url)
    page.get_by_role("button", name="Sign in with your identity provider").click()
    expect(
        page.get_by_role("heading", name="Sign in to the test identity provider")
    ).to_be_visible()
    page.get_by_role("textbox", name="Login").fill(login)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base_url}/**")


@pytest.mark.parametrize(
    ("login", "roles"),
    [("fiona", ["finance"]), ("rory", ["revops"]), ("ivan", ["integration"])],
    ids=["group-mapped", "email-mapped", "role-named-group"],
)
def test_signing_in_at_the_provider_opens_the_roles_pages(
    browser: Browser, base_url: str, login: str, roles: list[str]
) -> None:
    with tab(browser) as page:
        sign_in(page, base_url, login)
        titles = expected_titles(roles)  # type: ignore[arg-type]
        assert menu(page) == titles
        expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(f"{login}@example.com")
        open_each(page, titles)
        screenshot(page, f"oidc_{login}")


def test_a_person_with_no_mapped_role_is_told_so(browser: Browser, base_url: str) -> None:
    with tab(browser) as page:
        sign_in(page, base_url, "nora")
        expect(page.get_by_text("You are signed in but hold no role yet")).to_be_visible()
        expect(page.locator('[data-testid="stPageLink"]')).to_have_count(0)
        screenshot(page, "oidc_no_role")


@pytest.mark.parametrize("login", ["mallory", "trudy"], ids=["expired", "tampered"])
def test_a_bad_id_token_is_refused(browser: Browser, base_url: str, login: str) -> None:
    with tab(browser) as page:
        sign_in(page, base_url, login)
        expect(
            page.get_by_role("button", name="Sign in with your identity provider")
        ).to_be_visible()
        expect(page.locator('[data-testid="stPageLink"]')).to_have_count(0)
        assert not [c for c in page.context.cookies() if c["name"] == "_streamlit_user"]


def test_sign_out_returns_to_the_sign_in_screen(browser: Browser, base_url: str) -> None:
    with tab(browser) as page:
        page.goto(base_url)
        expect(
            page.get_by_role("button", name="Sign in with your identity provider")
        ).to_be_visible()
        screenshot(page, "oidc_sign_in")
        sign_in(page, base_url, "fiona")
        heading(page, "Close readiness")
        page.get_by_role("button", name="Sign out").click()
        expect(
            page.get_by_role("button", name="Sign in with your identity provider")
        ).to_be_visible()
