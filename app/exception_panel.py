"""The exception table of a page with its actions: acknowledge, assign, resolve with a note."""

from __future__ import annotations

import streamlit as st

from app import actions
from app.components import data_table, open_record
from app.filters import wall_clock
from app.queries.core import Frame
from app.text import plain
from core.display import money
from core.roles import Identity, NotAllowedError, Topic
from metrics.exception_actions import ExceptionActionError


def exception_panel(identity: Identity, topic: Topic, frame: Frame, key: str, empty: str) -> None:
    """The open items, CSV, drill-down and an action form for one of them."""
    flash = st.session_state.pop(f"{key}.flash", None)
    if flash:
        st.success(str(flash), icon=":material/task_alt:")
    data_table(frame, key, empty=empty)
    if frame is None or len(frame) == 0:
        return
    labels = {
        int(row.id): f"#{row.id} {row.metric} · {row.system}/{row.external_id} · "
        f"{money(row.amount_minor, row.currency)} · {row.status}"
        for row in frame.itertuples()
    }
    with st.form(f"{key}.actions"):
        st.markdown("**Act on an item**")
        item = st.selectbox("Exception item", list(labels), format_func=labels.__getitem__)
        left, right = st.columns(2)
        assignee = left.text_input("Assign to", placeholder="e.g. j.doe")
        note = right.text_input("Resolution note", placeholder="what was done")
        buttons = st.columns(4)
        acknowledge = buttons[0].form_submit_button("Acknowledge")
        assign = buttons[1].form_submit_button("Assign")
        resolve = buttons[2].form_submit_button("Resolve with note")
        drill = buttons[3].form_submit_button("Open record")
    if item is None:
        return
    if drill:
        row = frame.loc[frame["id"] == item].iloc[0]
        open_record(str(row["system"]), str(row["external_id"]))
    action: actions.ExceptionAction | None = (
        "acknowledge" if acknowledge else "assign" if assign else "resolve" if resolve else None
    )
    if action is None:
        return
    try:
        actions.exception_action(
            identity, topic, int(item), action, wall_clock(), assignee=assignee, note=note
        )
    except (ExceptionActionError, NotAllowedError) as exc:
        st.error(plain(str(exc)))
        return
    st.session_state[f"{key}.flash"] = f"Item #{item}: {action} recorded in the audit log."
    st.rerun()
