"""Failing records grouped by error code, largest money first, each group opening its records.

The groups read as an error dashboard does: the system that refused, its error code, how many
records, their money in each currency (and in the reporting currency where ECB rates are
loaded), the first and last failure and the latest message. Selecting a group lists its records
with their names, money and links, and a CSV download of them.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app.components import data_table, help_line
from app.filters import FLOW_NAMES
from app.queries import error_groups, integration
from app.queries.core import Frame, Window
from app.text import plain
from app.views import (
    Reading,
    amounts,
    flow_title,
    missing,
    record_column,
    record_links,
    source_column,
    source_links,
    text_column,
    when,
    words,
)
from core.display import MISSING, count, money, money_list, system_title
from core.roles import Identity

GROUPS_KEY: Final = "integration.error_groups"
RECORDS_KEY: Final = "integration.error_records"
OUTCOMES: Final = {"failed": "failed", "dead_letter": "dead-lettered"}
NO_CODE: Final = "no error code"
BY_MONEY: Final = "largest money first"
BY_RECORDS: Final = (
    "most records first: without ECB rates, money in different currencies does not compare"
)
FAILING: Final = (
    "Records whose latest attempt in the time range failed and that are still not in their "
    "target, by the error the target returned"
)


def failure_groups(identity: Identity, window: Window, reading: Reading, reporting: str) -> None:
    """The groups table, and the records of the selected group (the first one by default)."""
    st.subheader("Failing records by error code")
    groups = error_groups.groups(identity, window, FLOW_NAMES)
    if len(groups) == 0:
        help_line(f"{FAILING}.")
        st.info("No record is failing to sync in this time range.",
                icon=":material/check_circle:")  # fmt: skip
        return
    groups, by_money = ranked(identity, groups, window, reporting)
    order = BY_MONEY if by_money else BY_RECORDS
    help_line(f"{FAILING}; {order}. Select a group to list its records.")
    view, config = groups_view(groups, reading, reporting)
    event = st.dataframe(
        view, key=f"{GROUPS_KEY}.table", hide_index=True, width="stretch",
        column_config=config, on_select="rerun", selection_mode="single-row",
    )  # fmt: skip
    rows = list(event.selection.rows) if event is not None and hasattr(event, "selection") else []
    group = groups.iloc[rows[0] if rows and rows[0] < len(groups) else 0]
    code = None if missing(group["error_code"]) else str(group["error_code"])
    system = str(group["system"])
    records = int(group["records"])
    st.markdown(
        f"**{count(records)} record{'s' * (records != 1)} failing in "
        f"{plain(system_title(system))} with {plain(code or NO_CODE)}**"
    )
    found = error_groups.records(identity, window, FLOW_NAMES, system, code)
    listed, listed_config = records_view(found, reading) if len(found) else (None, None)
    data_table(
        found, RECORDS_KEY, empty="These records are no longer failing.",
        drill=("source_system", "source_id"), view=listed, column_config=listed_config,
    )  # fmt: skip


def ranked(identity: Identity, groups: Frame, window: Window, reporting: str) -> tuple[Frame, bool]:
    """The groups largest money first, and whether money could rank them all.

    Money compares as one total in the reporting currency at the latest ECB rates (kept as
    ``reporting_minor``), or as it is when every group's money is in one and the same currency.
    Groups it cannot compare follow in the query's order (most records first).
    """
    amounts = [{str(c): int(a) for c, a in money_by.items()} for money_by in groups["amounts"]]
    totals: list[int | None] = [
        integration.total(identity, [(a, c) for c, a in money_by.items()], reporting,
                          window.until.date()).amount_minor if money_by else None
        for money_by in amounts
    ]  # fmt: skip
    currencies = {c for money_by in amounts for c in money_by}
    keys = totals
    if any(t is None for t in totals) and len(currencies) == 1:
        keys = [sum(money_by.values()) if money_by else None for money_by in amounts]
    order = sorted(range(len(keys)), key=lambda i: (keys[i] is None, -(keys[i] or 0), i))
    out = groups.iloc[order].reset_index(drop=True)
    out["reporting_minor"] = pd.Series([totals[i] for i in order], dtype=object)
    return out, all(k is not None for k in keys)


def groups_view(groups: Frame, reading: Reading, reporting: str) -> tuple[Frame, dict[str, Any]]:
    """The groups as people read them: names, counts, money and times in words."""
    view = pd.DataFrame(
        {
            "system": [system_title(s) for s in groups["system"]],
            "code": [words(c) if not missing(c) else NO_CODE for c in groups["error_code"]],
            "records": [count(r) for r in groups["records"]],
            "money": [
                money_list({str(k): int(v) for k, v in a.items()}) for a in groups["amounts"]
            ],
            "total": [
                MISSING if missing(t) else f"≈ {money(t, reporting)}"
                for t in groups["reporting_minor"]
            ],
            "last": [when(t, reading) for t in groups["last_seen"]],
            "first": [when(t, reading) for t in groups["first_seen"]],
            "flows": [", ".join(flow_title(f) for f in fs) for fs in groups["flows"]],
            "message": [words(m) for m in groups["latest_message"]],
        }
    )
    if (view["total"] == MISSING).all():
        view = view.drop(columns=["total"])
    config: dict[str, Any] = {
        "system": text_column("Refused by", "The system that returned the error.", "small"),
        "code": text_column("Error code", "The code as that system sends it."),
        "records": text_column("Records", "Records failing with this error.", "small"),
        "money": text_column(
            "Money affected",
            "Invoice and payment totals, amendment values "
            "and account ARR of these records, in each currency.",
        ),
        "total": text_column(f"In {reporting}", "All currencies at the latest ECB rates."),
        "last": text_column("Last failed"),
        "first": text_column("First failed", "The earliest of these failures in the time range."),
        "flows": text_column("Flows"),
        "message": text_column("Latest message", "What the system said the last time."),
    }
    return view, config


def records_view(frame: Frame, reading: Reading) -> tuple[Frame, dict[str, Any]]:
    """A group's records: names, money, when and how they failed, links to each record."""
    invoices = [str(k) == "invoice" for k in frame["object_type"]]
    view = pd.DataFrame(
        {
            "customer": [words(c) for c in frame["customer_name"]],
            "name": [
                words(n) if invoice else MISSING
                for n, invoice in zip(frame["record_name"], invoices, strict=True)
            ],
            "amount": amounts(frame),
            "flow": [flow_title(f) for f in frame["flow"]],
            "failed": [when(t, reading) for t in frame["failed_at"]],
            "outcome": [OUTCOMES.get(str(s), words(s)) for s in frame["status"]],
            "attempt": [count(a) for a in frame["attempt"]],
            # Links stay objects: a missing one is an empty cell, never the text "None".
            "record": pd.Series(
                record_links(frame["source_system"], frame["source_id"]), dtype=object
            ),
            "source": pd.Series(
                source_links(
                    reading, frame["source_system"], frame["object_type"], frame["source_id"]
                ),
                dtype=object,
            ),
            "message": [words(m) for m in frame["error_message"]],
        }
    )
    view = view.drop(columns=[c for c in ("source",) if view[c].isna().all()])
    view = view[[c for c in view.columns if not (view[c] == MISSING).all()]]
    config: dict[str, Any] = {
        "customer": text_column("Customer"),
        "name": text_column("Invoice no."),
        "amount": text_column("Amount", width="small"),
        "flow": text_column("Flow"),
        "failed": text_column("Failed"),
        "outcome": text_column("Outcome", width="small"),
        "attempt": text_column("Attempt", width="small"),
        "message": text_column("Message"),
        "record": record_column(),
        "source": source_column(),
    }
    return view, config
