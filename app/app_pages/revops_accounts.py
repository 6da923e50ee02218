"""RevOps: which accounts are not linked across systems, and which amendments are stuck?"""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import actions, charts
from app.components import data_table, help_line
from app.exception_panel import exception_panel
from app.filters import current_window, wall_clock
from app.links import ITEM_LINK_TEXT, item_href
from app.queries import revops
from app.queries.core import Frame
from app.session import page_guard
from app.text import plain
from app.views import (
    Reading,
    amounts,
    hours,
    page_reading,
    record_column,
    record_links,
    source_column,
    source_links,
    text_column,
    when,
    words,
)
from core.display import instant, metric_title, system_title
from core.display import money as money_text
from core.roles import Identity, NotAllowedError
from metrics.matching import MatchError

_METHODS = {"domain": "same web domain", "name": "same name", "fuzzy": "similar name"}


def main() -> None:
    """Draw the RevOps accounts and amendments page."""
    identity = page_guard("revops")
    window = current_window(identity)
    reading = page_reading(window)
    st.title("Accounts & amendments")
    st.caption(f"As of the latest compute, {instant(window.until, reading.zone)}.")
    counts = revops.counts(identity, window)
    _gap_chart(counts)
    st.subheader("Match suggestions")
    help_line("Candidate customers for unlinked CRM accounts: exact domain, name, fuzzy name.")
    _suggestions(identity, revops.suggestions(identity, window), reading)
    st.subheader("Stuck amendments")
    help_line("Approved amendment quotes not applied in billing, with value and time past SLA.")
    stuck = revops.stuck(identity, window)
    view, config = _stuck_view(stuck, reading) if len(stuck) else (None, None)
    data_table(
        stuck, "revops.stuck", view=view, column_config=config,
        empty="No stuck amendments: every approved amendment reached billing in time.",
    )  # fmt: skip
    st.subheader("Open account items")
    exception_panel(identity, "revops", revops.items(identity, window), "revops.items",
                    "No unmatched, orphan or duplicate accounts.", window=window,
                    reading=reading)  # fmt: skip


def _stuck_view(frame: Frame, reading: Reading) -> tuple[Frame, dict[str, object]]:
    view = pd.DataFrame(
        {
            "item": [item_href("revops", i) for i in frame["id"]],
            "account": [words(n) for n in frame["customer_name"]],
            "value": amounts(frame),
            "record": record_links(frame["system"], frame["external_id"]),
            "source": source_links(
                reading, frame["system"], frame["object_type"], frame["external_id"]
            ),
            "approved": [when(a, reading) for a in frame["approved_at"]],
            "past_sla": [hours(h) for h in frame["hours_past_sla"]],
            "status": [words(s) for s in frame["status"]],
            "assignee": [words(a) for a in frame["assignee"]],
        }
    )
    config: dict[str, object] = {
        "item": st.column_config.LinkColumn(
            "Item", display_text=ITEM_LINK_TEXT, width="small",
            help="The item's number: the link opens this item alone, to share.",
        ),
        "account": text_column("Account"),
        "value": text_column("Amendment value"),
        "record": record_column("Amendment"),
        "source": source_column(),
        "approved": text_column("Approved"),
        "past_sla": text_column("Past SLA by"),
        "status": text_column("Status", width="small"),
        "assignee": text_column("Assignee", width="small"),
    }  # fmt: skip
    return view, config


def _gap_chart(counts: Frame) -> None:
    gaps = counts[counts["name"].isin(revops.ACCOUNT_ITEMS)].copy() if len(counts) else counts
    if len(gaps) == 0:
        st.info("No account metrics computed yet.")
        return
    gaps["system"] = [system_title(lbl.get("system")) for lbl in gaps["labels"]]
    gaps["gap"] = [metric_title(n) for n in gaps["name"]]
    left, right = st.columns([3, 2])
    left.plotly_chart(
        charts.bars(gaps, x="system", y="value", color="gap", title="Account gaps per system",
                    y_title="accounts / customers"),
        width="stretch",
    )  # fmt: skip
    with right:
        _money_tiles(counts, "unmatched_accounts_arr", "ARR of unmatched accounts",
                     "No unmatched ARR.")  # fmt: skip
        _money_tiles(counts, "orphan_customers_amount", "Open invoices of orphan customers",
                     "No open invoices on orphan customers.")  # fmt: skip
        _money_tiles(counts, "duplicate_customers_amount", "Open invoices of duplicate customers",
                     "No open invoices on duplicate customers.")  # fmt: skip
    help_line(
        "Unmatched: CRM accounts past SLA with no customer in that system. Orphan: a "
        "customer naming no live account. Duplicate: customers sharing one account. Their "
        "money: unpaid invoices billed to those customers."
    )


def _money_tiles(counts: Frame, name: str, heading: str, empty: str) -> None:
    money = counts[counts["name"] == name] if len(counts) else counts
    st.markdown(f"**{heading}**")
    if len(money) == 0:
        st.caption(empty)
    for row in money.itertuples():
        st.metric(f"{row.labels['system']} · {row.labels['currency']}",
                  money_text(row.value, row.labels["currency"]))  # fmt: skip


def _suggestions(identity: Identity, frame: Frame, reading: Reading) -> None:
    flash = st.session_state.pop("revops.match.flash", None)
    if flash:
        st.success(str(flash), icon=":material/task_alt:")
    if len(frame) == 0:
        st.info("No open match suggestions.")
        return
    view = pd.DataFrame(
        {
            "account_name": [words(n) for n in frame["account_name"]],
            "account": record_links(["salesforce"] * len(frame), frame["crm_account_id"]),
            "customer_name": [words(n) for n in frame["customer_name"]],
            "system": [system_title(s) for s in frame["system"]],
            "customer": record_links(frame["system"], frame["customer_id"]),
            "source": source_links(
                reading, frame["system"], ["customer"] * len(frame), frame["customer_id"]
            ),
            "method": [_METHODS.get(str(m), words(m)) for m in frame["method"]],
            "score": frame["score"].astype(float),
        }
    )
    config = {
        "account_name": text_column("CRM account"),
        "account": record_column("Account id"),
        "customer_name": text_column("Candidate customer"),
        "system": text_column("System", width="small"),
        "customer": record_column("Customer id"),
        "source": source_column(),
        "method": text_column("Matched on"),
        "score": st.column_config.ProgressColumn(
            "Confidence", min_value=0.0, max_value=1.0, format="percent"
        ),
    }
    data_table(frame, "revops.suggestions", empty="", drill=("system", "customer_id"),
               view=view, column_config=config)  # fmt: skip
    options = list(range(len(frame)))
    with st.form("revops.match"):
        pick = st.selectbox(
            "Suggestion", options,
            format_func=lambda i: _suggestion_label(frame, i),
        )  # fmt: skip
        confirm_col, reject_col = st.columns(2)
        confirm = confirm_col.form_submit_button("Confirm match", type="primary")
        reject = reject_col.form_submit_button("Reject match")
    if pick is None or not (confirm or reject):
        return
    row = frame.iloc[pick]
    try:
        actions.decide_match(
            identity,
            "confirm" if confirm else "reject",
            system=str(row["system"]), crm_account_id=str(row["crm_account_id"]),
            customer_id=str(row["customer_id"]), at=wall_clock(),
            score=float(row["score"]), method=str(row["method"]),
        )  # fmt: skip
    except (MatchError, NotAllowedError) as exc:
        st.error(plain(str(exc)))
        return
    st.session_state["revops.match.flash"] = "Decision recorded in the identity map and audit log."
    st.rerun()


def _suggestion_label(frame: Frame, index: int) -> str:
    row = frame.iloc[index]
    return (
        f"{row['account_name']} ({row['crm_account_id']}) ↔ {system_title(row['system'])} "
        f"{row['customer_name']} ({row['customer_id']}) · "
        f"{_METHODS.get(str(row['method']), row['method'])} {row['score']:.0%}"
    )


main()
