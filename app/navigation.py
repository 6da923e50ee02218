"""The page catalogue: which page file serves which topic, and which pages a person sees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.roles import Identity, Topic

APP_DIR: Final = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page: its script, title, URL path, topic (and so its roles) and menu section."""

    script: str
    title: str
    url_path: str
    topic: Topic
    section: str
    icon: str


PAGES: Final[tuple[PageSpec, ...]] = (
    PageSpec("app_pages/executive_overview.py", "KPI overview", "executive", "executive",
             "Executive", ":material/insights:"),
    PageSpec("app_pages/finance_close.py", "Close readiness", "finance", "finance", "Finance",
             ":material/receipt_long:"),
    PageSpec("app_pages/revops_accounts.py", "Accounts & amendments", "revops", "revops",
             "RevOps", ":material/handshake:"),
    PageSpec("app_pages/integration_health.py", "Sync health", "integration", "integration",
             "Integration", ":material/sync_problem:"),
    PageSpec("app_pages/integration_alerts.py", "Alerts & silences", "alerts", "alerts",
             "Integration", ":material/notifications_active:"),
    PageSpec("app_pages/record_view.py", "Record view", "record", "record", "Records",
             ":material/search:"),
    PageSpec("app_pages/admin_users.py", "Users & roles", "users", "admin", "Admin",
             ":material/group:"),
    PageSpec("app_pages/admin_config.py", "Configuration", "config", "admin", "Admin",
             ":material/settings:"),
    PageSpec("app_pages/admin_audit.py", "Audit log", "audit", "admin", "Admin",
             ":material/history:"),
)  # fmt: skip

RECORD_PAGE: Final = "app_pages/record_view.py"


def allowed_pages(identity: Identity) -> list[PageSpec]:
    """The pages ``identity`` may open, in menu order."""
    return [p for p in PAGES if identity.may(p.topic)]


def build_pages(identity: Identity | None) -> dict[PageSpec, StreamlitPage]:
    """Every page: the allowed ones go in the menu, the rest refuse when opened by URL.

    All pages are registered (the menu is drawn separately from the allowed ones), so a typed
    URL reaches the page's own role check, which answers "not allowed" instead of silently
    showing another page. Registered before sign-in too, so a URL survives the sign-in form.
    """
    allowed = allowed_pages(identity) if identity is not None else []
    default = allowed[0] if allowed else PAGES[0]
    return {
        spec: st.Page(
            str(APP_DIR / spec.script), title=spec.title, icon=spec.icon,
            url_path=spec.url_path, default=spec == default,
        )
        for spec in PAGES
    }  # fmt: skip


def draw_menu(identity: Identity, pages: dict[PageSpec, StreamlitPage]) -> None:
    """The sidebar menu: the allowed pages under their section headings."""
    section = ""
    for spec in allowed_pages(identity):
        if spec.section != section:
            section = spec.section
            st.sidebar.caption(section.upper())
        st.sidebar.page_link(pages[spec], label=spec.title, icon=spec.icon)
