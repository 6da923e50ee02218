"""Driving the dashboard in Streamlit's AppTest: sign in, open pages, read the menu."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from streamlit.testing.v1 import AppTest

from app.navigation import PAGES, allowed_pages
from core.config.models import Role
from core.roles import Identity
from testkit.dashboard_store import PASSWORD

APP: Final = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"


def signed_in(name: str, password: str = PASSWORD) -> AppTest:
    """A fresh app session after submitting the sign-in form."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="signin.name").input(name)
    at.text_input(key="signin.password").input(password)
    at.button[0].click().run()
    return at


def menu(at: AppTest) -> list[str]:
    """The page titles in the sidebar menu."""
    return [link.value for link in at.sidebar.page_link]


def expected_titles(roles: list[Role]) -> list[str]:
    """The titles a person holding ``roles`` should see."""
    return [p.title for p in allowed_pages(Identity("x", frozenset(roles)))]


def forbidden_scripts(roles: list[Role]) -> list[str]:
    """The page scripts a person holding ``roles`` must not open."""
    allowed = set(allowed_pages(Identity("x", frozenset(roles))))
    return [p.script for p in PAGES if p not in allowed]
