"""RevOps: which accounts are not linked across systems, and which amendments are stuck?"""

from __future__ import annotations

import streamlit as st

from app import actions, charts
from app.components import data_table, help_line
from app.exception_panel import exception_panel
from app.filters import current_window, wall_clock
from app.queries import revops
from app.queries.core import Frame
from app.session import page_guard
from app.text import plain
from core.display import money as money_text
from core.roles import Identity, NotAllowedError
from metrics.matching import MatchError


def main() -> None:
    """Draw the RevOps accounts and amendments page."""
    identity = page_guard("revops")
    window = current_window(identity)
    st.title("Accounts & amendments")
    st.caption(f"As of the latest compute, {window.until:%Y-%m-%d %H:%M} UTC.")
    counts = revops.counts(identity, window)
    _gap_chart(counts)
    st.subheader("Match suggestions")
    help_line("Candidate customers for unlinked CRM accounts: exact domain, name, fuzzy name.")
    _suggestions(identity, revops.suggestions(identity, window))
    st.subheader("Stuck amendments")
    help_line("Approved amendment quotes not applied in billing, with value and hours past SLA.")
    data_table(
        revops.stuck(identity, window).assign(system="salesforce"),
        "revops.stuck",
        empty="No stuck amendments: every approved amendment reached billing in time.",
    )
    st.subheader("Open account items")
    exception_panel(identity, "revops", revops.items(identity, window), "revops.items",
                    "No unmatched, orphan or duplicate accounts.")  # fmt: skip


def _gap_chart(counts: Frame) -> None:
    gaps = counts[counts["name"].isin(revops.ACCOUNT_ITEMS)].copy() if len(counts) else counts
    if len(gaps) == 0:
        st.info("No account metrics computed yet.")
        return
    gaps["system"] = [lbl.get("system", "") for lbl in gaps["labels"]]
    left, right = st.columns([3, 2])
    left.plotly_chart(
        charts.bars(gaps, x="system", y="value", color="name", title="Account gaps per system",
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


def _suggestions(identity: Identity, frame: Frame) -> None:
    flash = st.session_state.pop("revops.match.flash", None)
    if flash:
        st.success(str(flash), icon=":material/task_alt:")
    if len(frame) == 0:
        st.info("No open match suggestions.")
        return
    data_table(frame, "revops.suggestions", empty="", drill=("system", "customer_id"))
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
        f"{row['crm_account_id']} ({row['account_name']}) ↔ {row['system']} "
        f"{row['customer_id']} ({row['customer_name']}) · {row['method']} {row['score']:.2f}"
    )


main()
