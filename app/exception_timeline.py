"""An exception item's timeline on its page: who did what and when, notes shown as text."""

from __future__ import annotations

from typing import Any, Final

import streamlit as st

from app.queries import exceptions
from app.queries.core import Window
from app.text import plain
from app.views import Reading, missing, when, words
from core.roles import Identity
from metrics.exception_events import COMPUTE_ACTOR, event_words

SHOWN: Final = 25
"""The latest entries drawn; older ones are counted above them."""


def item_timeline(
    identity: Identity, window: Window, row: dict[str, Any], reading: Reading
) -> None:
    """The item's state, then its timeline from when the problem was first found."""
    assignee = "nobody" if missing(row.get("assignee")) else str(row["assignee"])
    st.markdown(
        f"**Timeline of item #{row['id']}** · "
        + plain(f"status {words(row['status'])}, assigned to {assignee}")
    )
    events = exceptions.timeline(identity, window, int(row["id"]))
    entries = [(row["first_seen"], f"{COMPUTE_ACTOR} found the problem")]
    entries += [
        (e["at"], event_words(e["kind"], e["actor"], _text(e["assignee"]), _text(e["note"])))
        for e in events.to_dict("records")
    ]
    hidden = max(0, len(entries) - SHOWN)
    lines = [f"- **{plain(when(at, reading))}** · {plain(text)}" for at, text in entries[hidden:]]
    if hidden:
        lines.insert(0, f"- {plain(f'…and {hidden} earlier entries')}")
    st.markdown("\n".join(lines))


def _text(value: object) -> str | None:
    return None if missing(value) else str(value)
