"""The dashboard's entry point: sign-in gate → roles → navigation → page."""

from __future__ import annotations

import streamlit as st

from app.filters import draw_filters
from app.navigation import allowed_pages, build_pages, draw_menu
from app.runtime import runtime
from app.signin import gate, sign_out


def main() -> None:
    """Run one page view for the signed-in person."""
    st.set_page_config(page_title="syncwatch", page_icon=":material/sync:", layout="wide")
    rt = runtime()
    identity = gate(rt)
    pages = build_pages(identity)
    page = st.navigation(list(pages.values()), position="hidden")
    st.sidebar.markdown(f"**{identity.name}**")
    st.sidebar.caption("Roles: " + (", ".join(sorted(identity.roles)) or "none"))
    draw_menu(identity, pages)
    if not allowed_pages(identity):
        st.warning("You are signed in but hold no role yet. Ask an administrator.")
    draw_filters()
    if rt.settings.auth.mode != "proxy":
        st.sidebar.button("Sign out", on_click=sign_out, args=(rt,), icon=":material/logout:")
    page.run()


main()
