"""The sign-in gate: local users with passwords, a trusted proxy header, or OIDC."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app.runtime import Runtime
from app.session import current_identity, remember
from core import users
from core.roles import Identity, mapped_identity, proxy_identity

JUST_SIGNED_IN = "auth.just_signed_in"


def gate(rt: Runtime) -> Identity:
    """The identity of this session; draws the sign-in form and stops the run without one."""
    mode = rt.settings.auth.mode
    if mode == "proxy":
        identity = proxy_identity(dict(st.context.headers), rt.settings.auth)
        if identity is None:
            st.error(
                f"Not signed in: the reverse proxy sent no {rt.settings.auth.proxy_header} header."
            )
            st.stop()
        return identity
    if mode == "oidc":
        return _oidc(rt)
    return _local(rt)


def _oidc(rt: Runtime) -> Identity:
    if not st.user.is_logged_in:
        st.title("syncwatch")
        st.button("Sign in with your identity provider", on_click=st.login, type="primary")
        st.stop()
    name = st.user.get("email") or st.user.get("sub") or ""
    identity = mapped_identity(str(name), rt.settings.auth, "oidc")
    if identity is None:
        st.error("Your identity provider sent no e-mail or subject for you.")
        st.stop()
    return identity


def _local(rt: Runtime) -> Identity:
    identity = current_identity()
    if identity is not None:
        # Roles are read again on every run, so disabling a user or changing roles takes
        # effect at once, not at their next sign-in.
        with rt.pool.connection() as conn:
            roles = users.user_roles(conn, identity.name)
        if roles:
            refreshed = Identity(identity.name, roles, "local")
            remember(refreshed)
            return refreshed
        remember(None)
    _sign_in_form(rt)
    st.stop()


def _sign_in_form(rt: Runtime) -> None:
    st.title("syncwatch")
    st.caption("Sync health for finance, RevOps and integration teams. Sign in to continue.")
    with st.form("signin.form", clear_on_submit=True):
        name = st.text_input("User name", key="signin.name")
        password = st.text_input("Password", type="password", key="signin.password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    with rt.pool.connection() as conn:
        result = users.sign_in(conn, name.strip(), password, datetime.now(UTC))
    if result.identity is not None:
        remember(result.identity)
        st.session_state[JUST_SIGNED_IN] = True
        st.rerun()
    st.error(result.message, icon=":material/lock:")


def sign_out(rt: Runtime) -> None:
    """End the session's sign-in (a button callback; OIDC also signs out at the provider)."""
    if rt.settings.auth.mode == "oidc":
        st.logout()
        return
    remember(None)
