"""The sign-in gate: local users with passwords, a trusted proxy header, or OIDC.

``establish`` runs first in every run: it works out who the run is for in the configured mode
and records it for ``page_guard`` and the queries. Nothing is carried over from an earlier
run but a local user's name: proxy and OIDC identities are derived again from the request and
the settings, and a local user's roles are read again from the store, so a removed mapping, a
changed role or a disabled user takes effect at the next click. ``require`` draws the sign-in
screen (or the refusal) when there is nobody, after the navigation is registered so a typed
URL survives it. When the store cannot be reached to check a local user, ``require`` says so
in one sentence instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

from app.queries.core import STORE_DOWN, show_store_unreachable
from app.runtime import Runtime
from app.session import begin_run, local_user, remember_local_user
from core import users
from core.config.models import AuthSettings
from core.roles import Identity, NotSignedInError, oidc_identity, proxy_identity

JUST_SIGNED_IN = "auth.just_signed_in"


@dataclass(frozen=True, slots=True)
class Arrival:
    """What the gate established for a run: an identity, or the reason there is none."""

    identity: Identity | None
    refusal: str | None = None
    outage: Exception | None = None
    """Why the store could not be reached to establish the identity."""


def establish(rt: Runtime) -> Arrival:
    """Who this run is for, recorded for the pages; draws nothing."""
    try:
        arrival = Arrival(_identify(rt))
    except NotSignedInError as exc:
        arrival = Arrival(None, str(exc))
    except STORE_DOWN as exc:
        arrival = Arrival(None, outage=exc)
    begin_run(arrival.identity)
    return arrival


def require(rt: Runtime, arrival: Arrival) -> Identity:
    """The run's identity; without one, draw the sign-in screen or refusal and stop the run."""
    if arrival.identity is not None:
        return arrival.identity
    if arrival.outage is not None:
        show_store_unreachable(arrival.outage)
    mode = rt.settings.auth.mode
    st.title("syncwatch")
    if arrival.refusal is not None:
        # Nothing has been read for this request; say why and stop.
        st.error(f"Not signed in: {arrival.refusal}", icon=":material/lock:")
        if mode == "oidc":
            st.button("Sign out", on_click=st.logout, icon=":material/logout:")
    elif mode == "oidc":
        st.caption("Sync health for finance, RevOps and integration teams.")
        st.button("Sign in with your identity provider", on_click=st.login, type="primary")
    else:
        _sign_in_form(rt)
    st.stop()


def _identify(rt: Runtime) -> Identity | None:
    auth = rt.settings.auth
    if auth.mode == "proxy":
        return _proxy(auth)
    if auth.mode == "oidc":
        if not st.user.is_logged_in:
            return None
        assert auth.oidc is not None  # the settings refuse oidc mode without it
        return oidc_identity(st.user.to_dict(), auth, auth.oidc)
    return _local(rt)


def _proxy(auth: AuthSettings) -> Identity:
    # Uvicorn, under Streamlit, replaces a loopback peer's address with the one it names in
    # X-Forwarded-For unless FORWARDED_ALLOW_IPS is empty (``syncwatch dashboard`` makes it
    # so); otherwise a local process could claim to be the proxy.
    if auth.trusted_proxies and os.environ.get("FORWARDED_ALLOW_IPS") != "":
        raise NotSignedInError(
            "the dashboard server takes client addresses from X-Forwarded-For, so it cannot "
            "check the proxy's address; start it with `syncwatch dashboard`."
        )
    headers = st.context.headers
    return proxy_identity(
        {key: headers.get_all(key) for key in headers},
        st.context.ip_address,
        auth,
        os.environ.get(auth.proxy_secret_env) if auth.proxy_secret_env else None,
    )


def _local(rt: Runtime) -> Identity | None:
    name = local_user()
    if name is None:
        return None
    with rt.pool.connection() as conn:
        roles = users.user_roles(conn, name)
    if not roles:
        remember_local_user(None)
        return None
    return Identity(name, roles, "local")


def _sign_in_form(rt: Runtime) -> None:
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
        remember_local_user(result.identity.name)
        st.session_state[JUST_SIGNED_IN] = True
        st.rerun()
    st.error(result.message, icon=":material/lock:")


def sign_out(rt: Runtime) -> None:
    """End the session's sign-in (a button callback; OIDC also signs out at the provider)."""
    if rt.settings.auth.mode == "oidc":
        st.logout()
        return
    remember_local_user(None)
