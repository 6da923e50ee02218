"""Acting on many listed exception items at once: narrow the page's items, pick the action and
one note, review how many items and how much money, then confirm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import actions
from app.filters import wall_clock
from app.queries.core import Frame
from app.text import plain
from core.display import count, metric_title, money_list
from core.roles import Identity, NotAllowedError, Topic
from metrics.exception_actions import ExceptionActionError
from metrics.exception_outcome import Action

ALL: Final = "All"
ANYONE: Final = "Anyone or nobody"
NOBODY: Final = "Nobody"
AGES: Final[dict[str, timedelta]] = {
    "any time": timedelta(0),
    "1 hour": timedelta(hours=1),
    "1 day": timedelta(days=1),
    "7 days": timedelta(days=7),
    "30 days": timedelta(days=30),
}
BULK_ACTIONS: Final[dict[Action, str]] = {
    "acknowledge": "Acknowledge",
    "assign": "Assign",
    "resolve": "Resolve",
}


@dataclass(frozen=True, slots=True)
class Pending:
    """A reviewed bulk action waiting for its confirmation."""

    action: Action
    ids: tuple[int, ...]
    assignee: str
    note: str
    money: dict[str, int]

    @property
    def question(self) -> str:
        """What confirming does, with how many items and how much money."""
        worth = f" worth {money_list(self.money)}" if self.money else ""
        verb = BULK_ACTIONS[self.action].lower()
        whom = f" to {self.assignee}" if self.action == "assign" else ""
        said = f', with the note "{self.note}"' if self.note else ""
        return f"{verb.capitalize()} {_items(len(self.ids))}{worth}{whom}{said}?"


def bulk_form(
    identity: Identity, topic: Topic, frame: Frame, key: str, people: list[str], now: datetime
) -> None:
    """The bulk-action form over ``frame`` (the page's filtered items) and its confirmation."""
    st.markdown("**Act on many items at once**")
    st.caption(
        "Acknowledge, assign or resolve every item listed above that matches these choices, "
        "with one note. You see how many items and how much money before anything changes."
    )
    metrics = [ALL, *sorted(set(frame["metric"]), key=metric_title)]
    holders = [ANYONE, NOBODY, *sorted({str(a) for a in frame["assignee"].dropna()})]
    with st.form(f"{key}.bulk"):
        top = st.columns(3)
        metric = top[0].selectbox(
            "Issue", metrics, format_func=lambda m: m if m == ALL else metric_title(m)
        )
        age = top[1].selectbox("Open for at least", list(AGES))
        holder = top[2].selectbox("Assigned to", holders)
        bottom = st.columns([3, 2, 4])
        action = bottom[0].radio(
            "Action", list(BULK_ACTIONS), format_func=BULK_ACTIONS.__getitem__, horizontal=True
        )
        assignee = bottom[1].selectbox(
            "Assign to", people, index=None, placeholder="only for Assign"
        )
        note = bottom[2].text_input(
            "Note for every item", placeholder="needed to resolve", key=f"{key}.bulk.note"
        )
        review = st.form_submit_button("Review", icon=":material/fact_check:")
    if review and action is not None:
        _review(
            frame, key, action, assignee or "", note.strip(), metric, AGES[str(age)], holder, now
        )
    pending = st.session_state.get(f"{key}.bulk.pending")
    if isinstance(pending, Pending):
        _confirm(identity, topic, key, pending)


def _review(
    frame: Frame,
    key: str,
    action: Action,
    assignee: str,
    note: str,
    metric: str,
    age: timedelta,
    holder: str,
    now: datetime,
) -> None:
    """Keep the chosen action for confirmation, or say what is missing."""
    st.session_state.pop(f"{key}.bulk.pending", None)
    chosen = frame
    if metric != ALL:
        chosen = chosen[chosen["metric"] == metric]
    if age:
        began = pd.to_datetime(chosen["since"].fillna(chosen["first_seen"]), utc=True)
        chosen = chosen[began <= pd.Timestamp(now) - age]
    if holder == NOBODY:
        chosen = chosen[chosen["assignee"].isna()]
    elif holder != ANYONE:
        chosen = chosen[chosen["assignee"] == holder]
    if action == "assign" and not assignee:
        st.error("Pick the person to assign the items to.")
    elif action == "resolve" and not note:
        st.error("Write a note saying what was done: resolving needs one.")
    elif len(chosen) == 0:
        st.info("No listed item matches these choices: nothing to do.")
    else:
        money: dict[str, int] = {}
        for amount, currency in zip(chosen["amount_minor"], chosen["currency"], strict=True):
            if pd.notna(amount) and isinstance(currency, str):
                money[currency.strip()] = money.get(currency.strip(), 0) + abs(int(amount))
        ids = tuple(int(i) for i in chosen["id"])
        st.session_state[f"{key}.bulk.pending"] = Pending(action, ids, assignee, note, money)


def _confirm(identity: Identity, topic: Topic, key: str, pending: Pending) -> None:
    """Ask once more, with the count and the money; act on confirmation."""
    st.warning(plain(pending.question), icon=":material/warning:")
    st.caption(
        "Items already so are left alone. Each change joins the item's timeline and the audit "
        "log; a resolved item whose problem is still there reopens at the next compute."
    )
    row = st.container(horizontal=True)
    verb = BULK_ACTIONS[pending.action]
    if row.button(f"Confirm: {verb.lower()} {_items(len(pending.ids))}", type="primary",
                  key=f"{key}.bulk.confirm"):  # fmt: skip
        st.session_state.pop(f"{key}.bulk.pending", None)
        try:
            outcome = actions.exception_action(
                identity, topic, list(pending.ids), pending.action, wall_clock(),
                assignee=pending.assignee, note=pending.note,
            )  # fmt: skip
        except (ExceptionActionError, NotAllowedError) as exc:
            st.error(plain(str(exc)))
            return
        st.session_state[f"{key}.flash"] = outcome
        st.rerun()
    if row.button("Cancel", key=f"{key}.bulk.cancel"):
        st.session_state.pop(f"{key}.bulk.pending", None)
        st.rerun()


def _items(number: int) -> str:
    return f"{count(number)} item{'s' * (number != 1)}"
