"""The dashboard's entry point: sign-in gate → roles → navigation → page.

A store outage anywhere in a run ends it with one sentence, never a traceback (and
``syncwatch dashboard`` hides the details of any other uncaught error).
"""

from __future__ import annotations

import streamlit as st

from app.deeplinks import follow, requested
from app.filters import draw_filters
from app.navigation import PAGES, allowed_pages, build_pages, draw_menu
from app.queries.core import store_outage_notice
from app.runtime import runtime
from app.signin import JUST_SIGNED_IN, establish, require, sign_out


def main() -> None:
    """Run one page view for the signed-in person."""
    st.set_page_config(page_title="syncwatch", page_icon=":material/sync:", layout="wide")
    with store_outage_notice():
        view()


def view() -> None:
    """The gate, the menu, the filters and the page."""
    rt = runtime()
    arrival = establish(rt)
    pages = build_pages(arrival.identity)
    page = st.navigation(list(pages.values()), position="hidden")
    identity = require(rt, arrival)
    allowed = allowed_pages(identity)
    # Signing in at the bare URL shows the pre-sign-in default page; when that page is not
    # theirs, take the person to their first page (a typed URL is left to refuse on its own).
    landed = page.url_path == pages[PAGES[0]].url_path and not identity.may(PAGES[0].topic)
    landed = landed and not requested()
    if st.session_state.pop(JUST_SIGNED_IN, False) and allowed and landed:
        st.switch_page(pages[allowed[0]])
    # A name comes from a person, a proxy or a provider: text, never Markdown (which would
    # also turn an e-mail address into a link, escaped or not).
    st.sidebar.text(identity.name)
    st.sidebar.caption("Roles: " + (", ".join(sorted(identity.roles)) or "none"))
    draw_menu(identity, pages)
    if not allowed:
        st.warning("You are signed in but hold no role yet. Ask an administrator.")
    draw_filters()
    if rt.settings.auth.mode != "proxy":
        st.sidebar.button("Sign out", on_click=sign_out, args=(rt,), icon=":material/logout:")
    follow(identity, pages, page)
    page.run()


main()
