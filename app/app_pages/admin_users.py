"""Admin: who may sign in, with which roles — add users, change roles, reset passwords, disable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import actions
from app.components import data_table, help_line
from app.filters import current_window, wall_clock
from app.queries import admin
from app.queries.core import Frame
from app.runtime import runtime
from app.session import page_guard
from app.text import plain
from core import display
from core.roles import ROLES, Identity, NotAllowedError
from core.users import UserError

_FLASH = "admin.users.flash"
_ROLE_NAMES = {
    "executive": "Executive",
    "finance": "Finance",
    "revops": "RevOps",
    "integration": "Integration",
    "admin": "Administrator",
}


def _done(act: Callable[[], None], message: str) -> None:
    """Run an action; show its refusal in words, or remember its confirmation and redraw."""
    try:
        act()
    except (UserError, NotAllowedError) as exc:
        st.error(plain(str(exc)))
    else:
        st.session_state[_FLASH] = message
        st.rerun()


def _add_user(identity: Identity) -> None:
    with st.form("admin.users.add", clear_on_submit=True):
        st.markdown("**Add a user**")
        left, right = st.columns(2)
        name = left.text_input("User name")
        roles = right.multiselect("Roles", list(ROLES), format_func=_ROLE_NAMES.__getitem__)
        email = st.text_input(
            "E-mail (optional)", help="The address Slack knows them by, so they can act on alerts."
        )
        first, second = st.columns(2)
        password = first.text_input("Password", type="password")
        again = second.text_input("Password again", type="password")
        submitted = st.form_submit_button("Add user")
    if not submitted:
        return
    if password != again:
        st.error("The two passwords differ: type the same password twice.")
        return
    _done(
        lambda: actions.create_user(
            identity, name, password, list(roles), wall_clock(), email.strip()
        ),
        f"{name.strip()} added.",
    )


def _change_user(
    identity: Identity, names: list[str], roles_of: dict[str, list[str]], emails: dict[str, str]
) -> None:
    name = st.selectbox("User", names, key="admin.users.pick")
    if name is None:
        return
    with st.form("admin.users.roles"):
        st.markdown("**Roles**")
        roles = st.multiselect(
            "Roles", list(ROLES), default=roles_of[name], format_func=_ROLE_NAMES.__getitem__,
            label_visibility="collapsed", key=f"admin.users.roles.{name}",
        )  # fmt: skip
        save = st.form_submit_button("Save roles")
    if save:
        _done(
            lambda: actions.set_user_roles(identity, name, list(roles), wall_clock()),
            f"Roles of {name} saved.",
        )
    with st.form("admin.users.password", clear_on_submit=True):
        st.markdown("**New password**")
        first, second = st.columns(2)
        password = first.text_input("New password", type="password")
        again = second.text_input("New password again", type="password")
        reset = st.form_submit_button("Reset password")
    if reset:
        if password != again:
            st.error("The two passwords differ: type the same password twice.")
        else:
            _done(
                lambda: actions.reset_user_password(identity, name, password, wall_clock()),
                f"Password of {name} reset; any sign-in pause is lifted.",
            )
    with st.form("admin.users.email"):
        st.markdown("**E-mail**")
        email = st.text_input(
            "E-mail", value=emails.get(name, ""), label_visibility="collapsed",
            key=f"admin.users.email.{name}",
        )  # fmt: skip
        save_email = st.form_submit_button("Save e-mail")
    if save_email:
        _done(
            lambda: actions.set_user_email(identity, name, email.strip(), wall_clock()),
            f"E-mail of {name} saved.",
        )
    left, right = st.columns(2)
    if left.button("Disable sign-in", key="admin.users.disable"):
        _done(
            lambda: actions.set_user_disabled(identity, name, True, wall_clock()),
            f"{name} disabled.",
        )
    if right.button("Enable sign-in", key="admin.users.enable"):
        _done(
            lambda: actions.set_user_disabled(identity, name, False, wall_clock()),
            f"{name} enabled.",
        )


def _readable(users: Frame) -> Frame:
    """The users table in words: role names, sign-in state, instants in the configured zone."""
    zone, now = runtime().settings.zone, wall_clock()
    return pd.DataFrame(
        {
            "User": users["name"],
            "E-mail": [display.MISSING if pd.isna(e) else str(e) for e in users["email"]],
            "Roles": [
                ", ".join(_ROLE_NAMES.get(r, r) for r in str(roles).split(", ") if r)
                for roles in users["roles"]
            ],
            "Sign-in": ["Disabled" if d else "Enabled" for d in users["disabled"]],
            "Wrong passwords in a row": users["failed_logins"],
            "Last wrong password": [
                display.instant(_instant(t), zone, now) for t in users["last_failed_at"]
            ],
            "Added": [display.instant(_instant(t), zone, now) for t in users["created_at"]],
        }
    )


def _instant(value: object) -> datetime | None:
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def main() -> None:
    """Draw the users and roles page."""
    identity = page_guard("admin")
    window = current_window(identity)
    st.title("Users & roles")
    help_line("Local users who sign in with a password (stored only as an argon2 hash).")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(str(flash))
    users = admin.users(identity, window)
    data_table(_readable(users), "admin.users", empty="No local users yet.", drill=None)
    left, right = st.columns(2)
    with left:
        _add_user(identity)
    with right:
        if len(users):
            st.markdown("**Change a user**")
            roles_of = {
                str(n): [r for r in str(roles).split(", ") if r]
                for n, roles in zip(users["name"], users["roles"], strict=True)
            }
            emails = {
                str(n): str(e)
                for n, e in zip(users["name"], users["email"], strict=True)
                if not pd.isna(e)
            }
            _change_user(identity, list(roles_of), roles_of, emails)
    st.subheader("Roles from the proxy or OIDC")
    mapped = {k: list(v) for k, v in runtime().settings.auth.roles.items()}
    if mapped:
        st.json(mapped)
    else:
        st.caption("No identities mapped in `auth.roles`.")


main()
