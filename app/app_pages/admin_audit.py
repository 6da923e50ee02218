"""Admin: who did what, and when."""

from __future__ import annotations

import streamlit as st

from app.components import data_table, help_line
from app.filters import current_window, wall_clock
from app.queries import admin
from app.session import page_guard


def main() -> None:
    """Draw the audit log."""
    identity = page_guard("admin")
    window = current_window(identity)
    st.title("Audit log")
    help_line("Sign-ins, exception actions, match decisions, silences and user changes.")
    entries = admin.audit(identity, window, wall_clock() - window.span)
    data_table(entries, "admin.audit", empty="Nothing audited in this time range.", drill=None)


main()
