"""Integration: which alerts are firing, pending or stale, and which are silenced?"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from app import actions
from app.components import data_table, help_line
from app.filters import current_window, wall_clock
from app.queries import integration
from app.session import page_guard
from app.text import plain
from core.errors import SyncwatchError
from core.roles import NotAllowedError

DURATIONS = {"1 hour": 1, "4 hours": 4, "1 day": 24, "3 days": 72, "1 week": 168}


def main() -> None:
    """Draw the alerts and silences page."""
    identity = page_guard("alerts")
    window = current_window(identity)
    now = wall_clock()
    flash = st.session_state.pop("alerts.flash", None)
    if flash:
        st.success(str(flash), icon=":material/task_alt:")
    st.title("Alerts & silences")
    alerts = integration.alerts(identity, window)
    states = alerts["state"].value_counts() if len(alerts) else {}
    cols = st.columns(3)
    for col, state, text in zip(
        cols, ("firing", "pending", "stale"),
        ("Breaching past their `for` duration; notified.", "Breaching, not yet for long enough.",
         "No fresh data (collector down): not resolved, flagged."), strict=True,
    ):  # fmt: skip
        col.metric(state.capitalize(), int(states.get(state, 0)), help=text)
    data_table(alerts, "alerts.active", empty="No alert is firing, pending or stale.", drill=None)
    st.subheader("Silences in force")
    help_line("A silence mutes notifications of matching alerts until it ends; all audited.")
    silences = integration.silences(identity, window, now)
    data_table(silences, "alerts.silences", empty="No silence in force.", drill=None)
    left, right = st.columns(2)
    with left, st.form("alerts.create", clear_on_submit=True):
        st.markdown("**New silence**")
        rule = st.text_input("Rule name", placeholder="e.g. posting-failures")
        flow = st.text_input("Flow label (optional)")
        reason = st.text_input("Reason")
        duration = st.selectbox("For", list(DURATIONS))
        create = st.form_submit_button("Create silence", type="primary")
    if create:
        matchers = {k: v.strip() for k, v in (("rule", rule), ("flow", flow)) if v.strip()}
        try:
            silence_id = actions.create_silence(
                identity, matchers=matchers, reason=reason, starts_at=now,
                ends_at=now + timedelta(hours=DURATIONS[str(duration)]),
            )  # fmt: skip
        except (SyncwatchError, NotAllowedError) as exc:
            st.error(plain(str(exc)))
        else:
            st.session_state["alerts.flash"] = f"Silence #{silence_id} created."
            st.rerun()
    if len(silences):
        with right, st.form("alerts.expire"):
            st.markdown("**Expire a silence**")
            pick = st.selectbox("Silence", [int(i) for i in silences["id"]])
            expire = st.form_submit_button("Expire now")
        if expire and pick is not None:
            try:
                actions.expire_silence(identity, int(pick), now)
            except (SyncwatchError, NotAllowedError) as exc:
                st.error(plain(str(exc)))
            else:
                st.session_state["alerts.flash"] = f"Silence #{pick} expired."
                st.rerun()


main()
