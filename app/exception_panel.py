"""The exception table of a page with its actions: acknowledge, assign, resolve with a note."""

from __future__ import annotations

import streamlit as st

from app import actions
from app.components import data_table, open_record
from app.filters import wall_clock
from app.navigation import PAGES, RECORD_PAGE
from app.queries import records
from app.queries.core import Frame, Window
from app.text import plain
from app.views import Reading, item_label, items_view, missing, when, words
from core.display import metric_title, money, object_title, short_id, system_title
from core.roles import Identity, NotAllowedError, Topic
from core.source_links import source_record_url
from metrics.exception_actions import ExceptionActionError


def page_path(topic: Topic) -> str:
    """The URL path of the page that owns ``topic``'s items."""
    return next(p.url_path for p in PAGES if p.topic == topic)


def exception_panel(
    identity: Identity,
    topic: Topic,
    frame: Frame,
    key: str,
    empty: str,
    *,
    window: Window,
    reading: Reading,
) -> None:
    """The open items, CSV, drill-down and an action form for one of them.

    A deep link (``?item=`` with an item's number or fingerprint) shows that item first and
    picks it in the action form.
    """
    flash = st.session_state.pop(f"{key}.flash", None)
    if flash:
        st.success(str(flash), icon=":material/task_alt:")
    focus = focused_item(identity, window, reading)
    view, config = items_view(frame, page_path(topic), reading) if len(frame) else (None, None)
    data_table(frame, key, empty=empty, view=view, column_config=config)
    if frame is None or len(frame) == 0:
        return
    labels = {int(row["id"]): item_label(row) for row in frame.to_dict("records")}
    options = list(labels)
    chosen = options.index(focus) if focus in labels else 0
    with st.form(f"{key}.actions"):
        st.markdown("**Act on an item**")
        item = st.selectbox("Exception item", options, index=chosen, format_func=labels.__getitem__)
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


def focused_item(identity: Identity, window: Window, reading: Reading) -> int | None:
    """Show the item a ``?item=`` deep link names; its number (None without one, or when the
    reader may not open it: the page router says so)."""
    key = st.query_params.get("item")
    if not key or not identity.may("record"):
        return None
    found = records.item(identity, window, key)
    if len(found) == 0:
        return None
    row = found.iloc[0].to_dict()
    item_card(row, reading)
    return int(row["id"])


def item_card(row: dict[str, object], reading: Reading) -> None:
    """One exception item in words, with links to its record here and in its own system."""
    system, kind, record_id = str(row["system"]), str(row["object_type"]), str(row["external_id"])
    with st.container(border=True):
        st.markdown(f"**Item #{row['id']}: {plain(metric_title(row['metric']))}**")
        facts = [
            f"{object_title(kind).capitalize()} in {system_title(system)}",
            f"Customer: {words(row.get('customer_name'))}",
        ]
        if kind == "invoice" and not missing(row.get("record_name")):
            facts.append(f"Invoice no. {row['record_name']}")
        facts += [
            f"Amount: {money(row['amount_minor'], row['currency'])}",
            f"Status: {words(row['status'])}",
            f"Open since {when(row['since'], reading)}",
        ]
        if not missing(row.get("resolved_at")):
            facts.append(f"Resolved {when(row['resolved_at'], reading)}")
        st.markdown(" · ".join(plain(f) for f in facts))
        left, right = st.columns(2)
        left.page_link(
            RECORD_PAGE,
            label=f"Record view: {plain(short_id(record_id))}",
            help=plain(f"{system_title(system)} {object_title(kind)} {record_id}"),
            query_params={"system": system, "id": record_id},
            icon=":material/search:",
        )
        url = source_record_url(reading.sources, system, kind, record_id)
        if url is not None:
            right.link_button(f"Open in {system_title(system)}", url, icon=":material/open_in_new:")
