"""Driving the dashboard in Debian's headless Chromium: the launch and the page helpers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect, sync_playwright

from core.database import Database
from testkit.dashboard_store import PASSWORD

CHROMIUM: Final = "/usr/bin/chromium"
CHROMIUM_ARGS: Final = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
VIEWPORT: Final = ViewportSize(width=1400, height=900)
SCREENSHOTS: Final = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# A loaded 2-core machine renders Streamlit pages slowly; assertions wait as long as actions do.
expect.set_options(timeout=30_000)


@dataclass(frozen=True, slots=True)
class RunningDashboard:
    """A running ``syncwatch dashboard``: its base URL and the store it reads."""

    url: str
    store: Database


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def dashboard(config: Path, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """``syncwatch dashboard`` with ``config`` on a loopback port, healthy; its base URL.

    The real command, so the test covers how it launches Streamlit (its environment and the
    secrets it writes), not only the app.
    """
    port = port or free_port()
    full_env = {**os.environ, **env}
    full_env.pop("SYNCWATCH_CONFIG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "syncwatch", "--config", str(config), "dashboard",
         "--host", "127.0.0.1", "--port", str(port)],
        env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail(f"the dashboard did not become healthy (exit code {process.poll()})")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def tab(browser: Browser, headers: dict[str, str] | None = None) -> Iterator[Page]:
    """A fresh browser context (a new Streamlit session) sending ``headers`` on every request."""
    context = browser.new_context(viewport=VIEWPORT, extra_http_headers=headers)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def sign_in(page: Page, url: str, name: str, password: str = PASSWORD) -> None:
    """Open ``url`` and submit the sign-in form there (the address survives the form)."""
    page.goto(url)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def menu(page: Page) -> list[str]:
    """The sidebar menu's page titles."""
    links = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]')
    expect(links.first).to_be_visible()
    # Each link's text is its material icon's name, then its title.
    return [t.strip().splitlines()[-1] for t in links.all_inner_texts()]


def heading(page: Page, title: str) -> None:
    """Wait until the page's title is drawn and the script has finished running."""
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    wait_idle(page)


def open_each(page: Page, titles: list[str]) -> None:
    """Open every page in ``titles`` from the sidebar; each draws without error or refusal."""
    for title in titles:
        page.locator('[data-testid="stSidebar"]').get_by_text(title, exact=True).click()
        heading(page, title)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        expect(page.get_by_text("Not allowed")).to_have_count(0)


def screenshot(page: Page, name: str) -> None:
    """Save the whole page under artifacts/screenshots/``name``.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_above_the_fold(page: Page, locator: Locator) -> None:
    """Every element ``locator`` matches is drawn whole inside the viewport, unscrolled.

    The page is scrolled back to its top first, so the check is what a person sees on arrival.
    """
    expect(locator.first).to_be_visible()
    page.evaluate(
        "() => { window.scrollTo(0, 0);"
        " for (const e of document.querySelectorAll('[data-testid=\"stMain\"]')) e.scrollTop = 0; }"
    )
    width, height = VIEWPORT["width"], VIEWPORT["height"]
    for element in locator.all():
        box = element.bounding_box()
        assert box is not None, f"{element} is not drawn"
        inside = (
            box["x"] >= 0
            and box["y"] >= 0
            and box["x"] + box["width"] <= width
            and box["y"] + box["height"] <= height
        )
        assert inside, f"{element} is at {box}, outside the {width}×{height} viewport"


# Icons are ligatures of a symbol font: their text is a name ("receipt_long") that nobody reads.
# Code and JSON blocks show a file or a payload verbatim, by design, as the CSV download does.
_VISIBLE_TEXT_JS: Final = """
(root) => {
  const hidden = [...root.querySelectorAll('*')].filter(e =>
    e.matches('[data-testid="stJson"], [data-testid="stCode"]')
    || (e.childElementCount === 0 && getComputedStyle(e).fontFamily.includes('Material Symbols')));
  const before = hidden.map(e => e.style.getPropertyValue('display'));
  hidden.forEach(e => e.style.setProperty('display', 'none', 'important'));
  try {
    return root.innerText;
  } finally {
    hidden.forEach((e, i) => e.style.setProperty('display', before[i]));
  }
}
"""


def visible_text(page: Page) -> str:
    """The text a person reads on the page: menu, main area, every table cell and header.

    Tables draw on a canvas, so their cells are read from the table's accessibility copy; icon
    names, code and JSON blocks and the invisible word joiners of app/text.py are left out.
    """
    text = page.locator('[data-testid="stApp"]').evaluate(_VISIBLE_TEXT_JS)
    cells = page.locator('[role="gridcell"], [role="columnheader"]').all_inner_texts()
    return "\n".join([str(text), *cells]).replace("\u2060", "")


def texts_of_every_view(page: Page) -> list[str]:
    """``visible_text`` with every expander open, once per tab of the page's tab bars."""
    wait_idle(page)
    for summary in page.locator('[data-testid="stExpander"] details:not([open]) > summary').all():
        summary.click()
    wait_idle(page)
    texts = [visible_text(page)]
    for tab_button in page.locator('[data-baseweb="tab"]').all():
        tab_button.click()
        wait_idle(page)
        texts.append(visible_text(page))
    return texts


def wait_idle(page: Page) -> None:
    """Wait until the script has finished its run (Streamlit's running indicator is gone)."""
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=30_000)


def open_choices(page: Page, box: Locator, attempts: int = 5) -> None:
    """Open a select box's list of options. A click that lands while the page redraws is
    lost (the box is drawn anew), so it is tried again until the options show."""
    for _ in range(attempts - 1):
        wait_idle(page)
        box.click()
        try:
            expect(page.get_by_role("option").first).to_be_visible(timeout=3_000)
        except AssertionError:
            page.keyboard.press("Escape")
        else:
            return
    box.click()
    expect(page.get_by_role("option").first).to_be_visible()
