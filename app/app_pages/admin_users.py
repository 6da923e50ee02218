"""Admin: who may sign in, with which roles."""

from __future__ import annotations

import streamlit as st

from app import actions
from app.components import data_table, help_line
from app.filters import current_window, wall_clock
from app.queries import admin
from app.runtime import runtime
from app.session import page_guard
from app.text import plain
from core.roles import NotAllowedError
from core.users import UserError


def main() -> None:
    """Draw the users and roles page."""
    identity = page_guard("admin")
    window = current_window(identity)
    st.title("Users & roles")
    help_line("Local users (argon2 hashes, never shown). Add users with `syncwatch users add`.")
    flash = st.session_state.pop("admin.users.flash", None)
    if flash:
        st.success(str(flash))
    users = admin.users(identity, window)
    data_table(users, "admin.users", empty="No local users yet.", drill=None)
    if len(users) == 0:
        return
    with st.form("admin.users.toggle"):
        name = st.selectbox("User", list(users["name"]))
        left, right = st.columns(2)
        disable = left.form_submit_button("Disable")
        enable = right.form_submit_button("Enable")
    if name is not None and (disable or enable):
        try:
            actions.set_user_disabled(identity, str(name), disable, wall_clock())
        except (UserError, NotAllowedError) as exc:
            st.error(plain(str(exc)))
        else:
            st.session_state["admin.users.flash"] = (
                f"{name} {'disabled' if disable else 'enabled'}."
            )
            st.rerun()
    st.subheader("Roles from the proxy or OIDC")
    mapped = {k: list(v) for k, v in runtime().settings.auth.roles.items()}
    if mapped:
        st.json(mapped)
    else:
        st.caption("No identities mapped in `auth.roles`.")


main()
