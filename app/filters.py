"""The sidebar filters every page shares: time range, flow and system."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import streamlit as st

from app.queries.core import RANGES, Window, evaluated_at
from core.display import system_title
from core.roles import Identity
from metrics.first_screens import DEFAULT_SPAN
from metrics.flows import FLOWS

ALL: Final = "All"
SYSTEMS: Final = ("salesforce", "stripe", "netsuite", "zendesk")
FLOW_NAMES: Final[list[str]] = list(FLOWS)
DEFAULT_RANGE: Final = list(RANGES.values()).index(DEFAULT_SPAN)


def draw_filters() -> None:
    """Draw the filter widgets (their values live in the session under ``filter.*``)."""
    st.sidebar.selectbox("Time range", list(RANGES), index=DEFAULT_RANGE, key="filter.range")
    st.sidebar.selectbox(
        "Flow", [ALL, *FLOW_NAMES], key="filter.flow",
        format_func=lambda f: f if f == ALL else FLOWS[f].title,
    )  # fmt: skip
    st.sidebar.selectbox(
        "System", [ALL, *SYSTEMS], key="filter.system",
        format_func=lambda s: s if s == ALL else system_title(s),
    )  # fmt: skip


def current_window(identity: Identity) -> Window:
    """The filters as a query window ending at the latest compute (or now, before any)."""
    until = evaluated_at(identity) or datetime.now(UTC).replace(microsecond=0)
    span = RANGES[str(st.session_state.get("filter.range", list(RANGES)[DEFAULT_RANGE]))]
    flow = st.session_state.get("filter.flow", ALL)
    system = st.session_state.get("filter.system", ALL)
    return Window(
        until=until,
        span=span,
        flow=None if flow == ALL else str(flow),
        system=None if system == ALL else str(system),
    )


def wall_clock() -> datetime:
    """The current minute (actions and silences run on the wall clock, not the compute's)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)
