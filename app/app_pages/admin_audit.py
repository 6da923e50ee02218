"""Admin: who did what, and when."""

from __future__ import annotations

import streamlit as st

from app.audit_view import audit_view
from app.components import data_table, help_line
from app.filters import current_window, wall_clock
from app.queries import admin
from app.runtime import runtime
from app.session import page_guard
from app.views import Reading


def main() -> None:
    """Draw the audit log."""
    identity = page_guard("admin")
    window = current_window(identity)
    st.title("Audit log")
    help_line("Sign-ins, exception actions, match decisions, silences and user changes.")
    now = wall_clock()
    entries = admin.audit(identity, window, now - window.span)
    settings = runtime().settings
    reading = Reading(settings.zone, now, dict(settings.sources))
    view, config = audit_view(entries, reading) if len(entries) else (None, None)
    data_table(entries, "admin.audit", empty="Nothing audited in this time range.", drill=None,
               view=view, column_config=config)  # fmt: skip


main()
