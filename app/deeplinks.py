"""Deep links: ``?record=system:id`` opens the record view, ``?item=`` the page of that item.

An address from a message or a colleague lands where it names, or says in words why not. Every
page still checks the reader's roles itself; this only picks the page.
"""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from app.actions import TOPIC_ITEMS
from app.filters import SYSTEMS, current_window
from app.links import parse_record_address
from app.navigation import PageSpec
from app.queries import records
from app.text import plain
from core.display import system_title
from core.roles import Identity


def requested() -> bool:
    """Whether this address names a record or an item (it decides the page, not sign-in)."""
    return "record" in st.query_params or "item" in st.query_params


def follow(identity: Identity, pages: dict[PageSpec, StreamlitPage], here: StreamlitPage) -> None:
    """Switch to the page a ``?record=`` or ``?item=`` address names (or explain why not)."""
    by_topic = {spec.topic: page for spec, page in pages.items()}
    address = st.query_params.get("record")
    if address is not None:
        parsed = parse_record_address(address)
        if parsed is None or parsed[0] not in SYSTEMS:
            st.warning(
                f"{plain(address)} is not a record address: write it as system:id, with system "
                f"one of {', '.join(system_title(s) for s in SYSTEMS)} (e.g. stripe:in_123).",
                icon=":material/link_off:",
            )
            return
        st.switch_page(by_topic["record"], query_params={"system": parsed[0], "id": parsed[1]})
    key = st.query_params.get("item")
    if not key:
        return
    found = (
        records.item(identity, current_window(identity), key) if identity.may("record") else None
    )
    if found is None or len(found) == 0:
        st.warning(
            f"No exception item {plain(key)} among the items your roles may open: it may have "
            "been removed, or belong to another team.",
            icon=":material/search_off:",
        )
        return
    row = found.iloc[0]
    owner = next((t for t, metrics in TOPIC_ITEMS.items() if row["metric"] in metrics), None)
    if owner is not None and identity.may(owner):
        if by_topic[owner].url_path != here.url_path:
            st.switch_page(by_topic[owner], query_params={"item": key})
        return
    st.switch_page(
        by_topic["record"],
        query_params={"system": str(row["system"]), "id": str(row["external_id"])},
    )
