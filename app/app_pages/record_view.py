"""Record view: one record in every system side by side, and its middleware log trail."""

from __future__ import annotations

from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app.actions import TOPIC_ITEMS
from app.components import data_table, help_line
from app.exception_panel import page_path
from app.filters import SYSTEMS, current_window
from app.links import ITEM_LINK_TEXT, item_href
from app.navigation import RECORD_PAGE
from app.queries import records
from app.queries.core import Frame
from app.session import page_guard
from app.text import plain
from app.views import (
    Reading,
    amounts,
    flow_title,
    missing,
    page_reading,
    record_column,
    record_links,
    text_column,
    when,
    words,
)
from core.display import (
    duration,
    metric_title,
    money,
    object_title,
    short_id,
    system_title,
)
from core.source_links import source_record_url

_DATES = (
    ("created_at", "created"), ("approved_at", "approved"), ("finalized_at", "finalized"),
    ("paid_at", "paid"), ("voided_at", "voided"), ("updated_at", "updated"),
)  # fmt: skip
_REFS = (("account_ref", "CRM account"), ("link_ref", "linked to"), ("parent_ref", "belongs to"))
_OWNERS = {metric: topic for topic, metrics in TOPIC_ITEMS.items() for metric in metrics}


def main() -> None:
    """Draw one record's cross-system view."""
    identity = page_guard("record")
    window = current_window(identity)
    reading = page_reading(window)
    st.title("Record view")
    system_default = st.query_params.get("system", "stripe")
    with st.form("record.lookup"):
        left, right = st.columns([1, 3])
        system = left.selectbox(
            "System", SYSTEMS, format_func=system_title,
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
            f"No {plain(system_title(system))} record {plain(record_id)} among the records your "
            "roles may open."
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
            st.markdown(f"**{system_title(name)}**")
            for frame in frames:
                _cards(frame, reading, current=(str(system), record_id))
        index += 1
    st.subheader("Exception items")
    exceptions = records.exceptions(identity, window, str(system), record_id)
    view, config = _exceptions_view(exceptions, reading) if len(exceptions) else (None, None)
    data_table(exceptions, "record.exceptions", empty="No exception item about this record.",
               drill=None, view=view, column_config=config)  # fmt: skip
    st.subheader("Middleware log trail")
    help_line("Every attempt sharing a correlation id with this record, oldest first.")
    trail = records.trail(identity, window, str(system), record_id)
    view, config = _trail_view(trail, reading) if len(trail) else (None, None)
    data_table(
        trail, "record.trail", view=view, column_config=config,
        empty="The middleware logged nothing about this record.", drill=None,
    )  # fmt: skip
    with st.expander("Raw payload"):
        st.json(found.iloc[0]["payload"])


def _cards(frame: Frame, reading: Reading, current: tuple[str, str]) -> None:
    for row in frame.to_dict("records"):
        with st.container(border=True):
            _card(row, reading, (str(row["system"]), str(row["external_id"])) == current)


def _card(row: dict[str, Any], reading: Reading, current: bool) -> None:
    system, kind, record_id = str(row["system"]), str(row["object_type"]), str(row["external_id"])
    title = object_title(kind).capitalize()
    if current:
        st.markdown(f"{plain(title)} **{plain(record_id)}**")
    else:
        st.page_link(
            RECORD_PAGE, label=plain(f"{title} {short_id(record_id)}"), help=plain(record_id),
            query_params={"system": system, "id": record_id},
        )  # fmt: skip
    facts = _facts(row, kind)
    if not missing(row.get("currency")):
        facts.append(money(row.get("amount_minor"), row["currency"]))
    if not missing(row.get("status")):
        facts.append(f"status {row['status']}")
    facts += [
        f"{label} {when(row[key], reading)}" for key, label in _DATES if not missing(row[key])
    ]
    if row.get("is_deleted"):
        facts.append(f"deleted in {system_title(system)}")
    facts += [
        f"{label} {short_id(row[key])}"
        for key, label in _REFS
        if not missing(row[key]) and not (key == "account_ref" and row[key] == record_id)
    ]
    st.caption(" · ".join(plain(f) for f in facts))
    url = source_record_url(reading.sources, system, kind, record_id)
    if url is not None:
        st.link_button(f"Open in {system_title(system)}", url, icon=":material/open_in_new:")


def _facts(row: dict[str, Any], kind: str) -> list[str]:
    """The record's name in words: an invoice's number and customer, else its name."""
    name, customer = row.get("name"), row.get("customer_name")
    if kind == "invoice":
        return [f"invoice no. {words(name)}", f"customer {words(customer)}"]
    if not missing(name):
        return [str(name)]
    return [] if missing(customer) else [f"customer {customer}"]


def _exceptions_view(frame: Frame, reading: Reading) -> tuple[Frame, dict[str, object]]:
    owners = [_OWNERS.get(str(m)) for m in frame["metric"]]
    view = pd.DataFrame(
        {
            "item": [
                item_href(page_path(o), i) if o else item_href("record", i)
                for o, i in zip(owners, frame["id"], strict=True)
            ],
            "issue": [metric_title(m) for m in frame["metric"]],
            "status": [words(s) for s in frame["status"]],
            "amount": amounts(frame),
            "since": [when(t, reading) for t in frame["since"]],
            "resolved": [when(t, reading) for t in frame["resolved_at"]],
            "assignee": [words(a) for a in frame["assignee"]],
            "note": [words(n) for n in frame["note"]],
        }
    )
    config: dict[str, object] = {
        "item": st.column_config.LinkColumn(
            "Item", display_text=ITEM_LINK_TEXT, width="small",
            help="The item's number: the link opens it on its team's page.",
        ),
        "issue": text_column("Issue"),
        "status": text_column("Status", width="small"),
        "amount": text_column("Amount"),
        "since": text_column("Open since"),
        "resolved": text_column("Resolved"),
        "assignee": text_column("Assignee", width="small"),
        "note": text_column("Note"),
    }  # fmt: skip
    return view, config


def _trail_view(frame: Frame, reading: Reading) -> tuple[Frame, dict[str, object]]:
    view = pd.DataFrame(
        {
            "when": [when(t, reading) for t in frame["ts"]],
            "flow": [flow_title(f) for f in frame["flow"]],
            "status": [words(s).replace("_", " ") for s in frame["status"]],
            "attempt": [words(a) for a in frame["attempt"]],
            "source": [system_title(s) for s in frame["source_system"]],
            "source_id": record_links(frame["source_system"], frame["source_id"]),
            "target": [system_title(s) for s in frame["target_system"]],
            "target_id": record_links(frame["target_system"], frame["target_id"]),
            "code": [words(c) for c in frame["error_code"]],
            "message": [words(m) for m in frame["error_message"]],
            "took": [
                duration(ms / 1000.0) if not missing(ms) else "—" for ms in frame["duration_ms"]
            ],
        }
    )
    config: dict[str, object] = {
        "when": text_column("When"),
        "flow": text_column("Flow"),
        "status": text_column("Outcome", width="small"),
        "attempt": text_column("Attempt", width="small"),
        "source": text_column("From", width="small"),
        "source_id": record_column("Record"),
        "target": text_column("To", width="small"),
        "target_id": record_column("Target record"),
        "code": text_column("Error code", width="small"),
        "message": text_column("Error"),
        "took": text_column("Took", width="small"),
    }
    return view, config


main()
