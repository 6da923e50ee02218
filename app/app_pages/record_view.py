"""Record view: one record in every system side by side, and its middleware log trail."""

from __future__ import annotations

import streamlit as st

from app.components import data_table, help_line
from app.filters import SYSTEMS, current_window
from app.queries import records
from app.queries.core import Frame
from app.session import page_guard
from app.text import plain
from core.display import money

_DETAILS = (
    "name", "status", "account_ref", "link_ref", "parent_ref", "created_at", "updated_at",
    "finalized_at", "paid_at", "voided_at", "is_deleted",
)  # fmt: skip


def main() -> None:
    """Draw one record's cross-system view."""
    identity = page_guard("record")
    window = current_window(identity)
    st.title("Record view")
    system_default = st.query_params.get("system", "stripe")
    with st.form("record.lookup"):
        left, right = st.columns([1, 3])
        system = left.selectbox(
            "System", SYSTEMS,
            index=SYSTEMS.index(system_default) if system_default in SYSTEMS else 1,
        )  # fmt: skip
        record_id = right.text_input("Record id", value=st.query_params.get("id", ""))
        if st.form_submit_button("Look up"):
            st.query_params.update({"system": str(system), "id": record_id.strip()})
    record_id = record_id.strip()
    if not record_id:
        st.info("Pick a row in any table, or enter a system and a record id.")
        return
    found = records.record(identity, window, str(system), record_id)
    if len(found) == 0:
        st.warning(
            f"No {plain(system)} record {plain(record_id)} among the records your roles may open."
        )
        return
    related = records.related(identity, window, str(system), record_id)
    st.subheader("In every system")
    help_line("The record and the rows linked to it by the flows' link keys, side by side.")
    everything = [found, related] if len(related) else [found]
    by_system = {s: [f[f["system"] == s] for f in everything] for s in SYSTEMS}
    columns = st.columns(len([s for s in SYSTEMS if any(len(f) for f in by_system[s])]) or 1)
    index = 0
    for name in SYSTEMS:
        frames = [f for f in by_system[name] if len(f)]
        if not frames:
            continue
        with columns[index]:
            st.markdown(f"**{name}**")
            for frame in frames:
                _cards(frame)
        index += 1
    st.subheader("Exception items")
    data_table(records.exceptions(identity, window, str(system), record_id), "record.exceptions",
               empty="No exception item about this record.", drill=None)  # fmt: skip
    st.subheader("Middleware log trail")
    help_line("Every attempt sharing a correlation id with this record, oldest first.")
    data_table(
        records.trail(identity, window, str(system), record_id), "record.trail",
        empty="The middleware logged nothing about this record.", drill=None,
    )  # fmt: skip
    with st.expander("Raw payload"):
        st.json(found.iloc[0]["payload"])


def _cards(frame: Frame) -> None:
    for row in frame.to_dict("records"):
        with st.container(border=True):
            st.markdown(f"{plain(row['object_type'])} **{plain(row['external_id'])}**")
            if row.get("amount_minor") is not None and row.get("currency"):
                st.markdown(plain(money(row["amount_minor"], row["currency"])))
            details = {k: row[k] for k in _DETAILS if row.get(k) not in (None, "", False)}
            st.caption(" · ".join(f"{k}: {plain(v)}" for k, v in details.items()))


main()
