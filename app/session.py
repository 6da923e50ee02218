"""The signed-in identity kept in the Streamlit session, and the per-page role check."""

from __future__ import annotations

from typing import Final

import streamlit as st

from core.roles import Identity, Topic

IDENTITY_KEY: Final = "auth.identity"


def current_identity() -> Identity | None:
    """The identity signed in to this browser session, if any."""
    value = st.session_state.get(IDENTITY_KEY)
    return value if isinstance(value, Identity) else None


def remember(identity: Identity | None) -> None:
    """Keep (or forget, with None) the session's identity."""
    if identity is None:
        st.session_state.pop(IDENTITY_KEY, None)
    else:
        st.session_state[IDENTITY_KEY] = identity


def page_guard(topic: Topic) -> Identity:
    """The identity when it may open ``topic``; otherwise say "not allowed" and stop the run."""
    identity = current_identity()
    if identity is None or not identity.may(topic):
        st.error("Not allowed: your roles do not include this page.", icon=":material/block:")
        st.stop()
    return identity
