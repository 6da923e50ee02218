"""Who this run is for, as the sign-in gate established it, and the per-page role check.

The gate runs first in every run, whatever the sign-in mode (local, proxy, OIDC), and records
the identity it established; ``page_guard`` and through it every query read that record and
nothing a single mode keeps for itself.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from core.roles import Identity, Topic

RUN_IDENTITY_KEY: Final = "auth.run_identity"
LOCAL_USER_KEY: Final = "auth.local_user"


def begin_run(identity: Identity | None) -> None:
    """Record who this run is for (the gate calls it first thing in every run)."""
    st.session_state[RUN_IDENTITY_KEY] = identity


def run_identity() -> Identity | None:
    """The identity the gate established for this run, if any."""
    value = st.session_state.get(RUN_IDENTITY_KEY)
    return value if isinstance(value, Identity) else None


def local_user() -> str | None:
    """The local user who signed in with a password in this browser session, if any."""
    value = st.session_state.get(LOCAL_USER_KEY)
    return value if isinstance(value, str) else None


def remember_local_user(name: str | None) -> None:
    """Keep (or forget, with None) the local user signed in to this browser session."""
    if name is None:
        st.session_state.pop(LOCAL_USER_KEY, None)
    else:
        st.session_state[LOCAL_USER_KEY] = name


def page_guard(topic: Topic) -> Identity:
    """The run's identity when it may open ``topic``; otherwise say "not allowed" and stop."""
    identity = run_identity()
    if identity is None or not identity.may(topic):
        st.error("Not allowed: your roles do not include this page.", icon=":material/block:")
        st.stop()
    return identity
