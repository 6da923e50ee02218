"""The exception table of a page with its actions: one item with its timeline (acknowledge,
assign, note, resolve), and many items at once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

import streamlit as st

from app import actions
from app.components import data_table, open_record
from app.exception_bulk import bulk_form
from app.exception_timeline import item_timeline
from app.filters import wall_clock
from app.navigation import PAGES, RECORD_PAGE
from app.queries import exceptions, records
from app.queries.core import Frame, Window
from app.text import plain
from app.views import Reading, item_label, items_view, missing, when, words
from core.display import metric_title, money, object_title, short_id, system_title
from core.roles import Identity, NotAllowedError, Topic
from core.source_links import source_record_url
from metrics.exception_actions import ExceptionActionError
from metrics.exception_outcome import Action, ActionOutcome

NOBODY: Final = ""


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
    """The open items, CSV, drill-down; one item's timeline and actions; a bulk action.

    A deep link (``?item=`` with an item's number or fingerprint) shows that item first and
    picks it.
    """
    flash = st.session_state.pop(f"{key}.flash", None)
    if isinstance(flash, ActionOutcome):
        if flash.changed:
            st.success(plain(_flash(flash)), icon=":material/task_alt:")
        else:
            st.info(plain(flash.message), icon=":material/info:")
        # After an action the notes start empty (set before their widgets are drawn).
        st.session_state[f"{key}.note"] = ""
        st.session_state[f"{key}.bulk.note"] = ""
    focus = focused_item(identity, window, reading)
    view, config = items_view(frame, page_path(topic), reading) if len(frame) else (None, None)
    data_table(frame, key, empty=empty, view=view, column_config=config)
    if frame is None or len(frame) == 0:
        return
    rows = {int(row["id"]): row for row in frame.to_dict("records")}
    options = list(rows)
    st.markdown("**Work on an item**")
    item = st.selectbox(
        "Exception item",
        options,
        index=options.index(focus) if focus in rows else 0,
        format_func=lambda i: item_label(rows[i]),
    )
    if item is None:
        return
    people = exceptions.assignees(identity, window, topic)
    # People act on the wall clock, the compute stamps its own instants: "ago" from the later.
    now = replace(reading, now=max(wall_clock(), reading.now))
    left, right = st.columns(2, gap="large")
    with left:
        item_timeline(identity, window, rows[item], now)
    with right:
        _item_form(identity, topic, key, rows[item], people)
    st.divider()
    bulk_form(identity, topic, frame, key, people, reading.now)


def _item_form(
    identity: Identity, topic: Topic, key: str, row: dict[str, Any], people: list[str]
) -> None:
    """Acknowledge, (un)assign, note or resolve the chosen item."""
    current = "" if missing(row.get("assignee")) else str(row["assignee"])
    choices = [NOBODY, *people, *([current] if current and current not in people else [])]
    with st.form(f"{key}.actions"):
        assignee = st.selectbox(
            "Assignee",
            choices,
            index=choices.index(current),
            format_func=lambda n: n or "Nobody",
            help="Enabled syncwatch users who may work on this page's items; the person you "
            "assign is told by Slack direct message.",
        )
        note = st.text_area(
            "Note",
            placeholder="What you found or did: needed to resolve, optional with the others",
            height=90,
            key=f"{key}.note",
        )
        buttons = st.container(horizontal=True)
        acknowledge = buttons.form_submit_button("Acknowledge")
        assign = buttons.form_submit_button("Assign")
        add_note = buttons.form_submit_button("Add note")
        resolve = buttons.form_submit_button("Resolve with note")
        drill = buttons.form_submit_button("Open record")
    if drill:
        open_record(str(row["system"]), str(row["external_id"]))
    action: Action | None = (
        "acknowledge" if acknowledge
        else ("assign" if assignee else "unassign") if assign
        else "note" if add_note
        else "resolve" if resolve
        else None
    )  # fmt: skip
    if action is None:
        return
    try:
        outcome = actions.exception_action(
            identity, topic, [int(row["id"])], action, wall_clock(), assignee=assignee, note=note
        )
    except (ExceptionActionError, NotAllowedError) as exc:
        st.error(plain(str(exc)))
        return
    st.session_state[f"{key}.flash"] = outcome
    st.rerun()


def _flash(outcome: ActionOutcome) -> str:
    """What the person is told after an action that changed items: it is audited, and who hears
    of an assignment."""
    told = (
        f" {outcome.assignee} is told by Slack direct message."
        if outcome.action == "assign" and outcome.assignee != outcome.actor
        else ""
    )
    return f"{outcome.message.removesuffix('.')}: recorded in the audit log.{told}"


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
            f"Assigned to {'nobody' if missing(row.get('assignee')) else row['assignee']}",
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
