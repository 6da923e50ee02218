"""The RevOps list of accounts to fix, largest first, with each one's match suggestion and the
buttons that confirm or reject it in place (audited through app.actions).

A row is an open unmatched account (a CRM account with no customer in one system), orphan
customer (naming no live CRM account) or duplicate customer (sharing its account with another).
Its money is the account's ARR or the customer's unpaid invoices, in its own currency beside
its value in the reporting currency, by which the rows are ranked.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app import actions
from app.csv_export import csv_bytes, machine_readable
from app.filters import wall_clock
from app.links import record_href
from app.queries.core import Frame
from app.text import plain
from app.views import missing, words
from core.display import MISSING, money, ratio, short_id, system_title
from core.money import from_minor
from core.roles import Identity, NotAllowedError
from metrics.matching import MatchError

PAGE_ROWS: Final = 4
_KEY: Final = "revops.gaps"
_METHODS: Final = {"domain": "same web domain", "name": "same name", "fuzzy": "similar name"}
_WIDTHS: Final = [2.4, 1.3, 2.7, 1.5]


def problem(metric: object, system: object) -> str:
    """What is wrong with the row, naming the system: ``No NetSuite customer``."""
    where = system_title(system)
    if metric == "unmatched_accounts":
        return f"No {where} customer"
    if metric == "orphan_customers":
        return f"Orphan {where} customer"
    return f"Duplicate {where} customer"


def _money(row: dict[str, Any], currency: str) -> str:
    """The row's money in its own currency, and beneath, what it is (and its value in
    ``currency`` when that differs)."""
    arr = row["metric"] == "unmatched_accounts"
    if missing(row["amount_minor"]):
        return f"{MISSING}  \n{_quiet('no ARR' if arr else 'no unpaid invoices')}"
    what = "ARR" if arr else "unpaid invoices"
    if row["currency"] != currency and not missing(row["converted_minor"]):
        what = f"≈ {money(row['converted_minor'], currency, compact=True)} {what}"
    return f"{plain(money(row['amount_minor'], row['currency']))}  \n{_quiet(what)}"


def _quiet(text: str) -> str:
    """A second line: small and grey (the text stays text)."""
    return f":small[:gray[{plain(text)}]]"


def _link(system: object, record_id: object, text: str) -> str:
    """A Markdown link to the record view, its text shown as text."""
    return f"[{plain(text)}]({record_href(str(system), str(record_id))})"


def _suggestion(row: dict[str, Any]) -> str:
    """The row's match in words: confirmed and waiting for the compute, suggested, or none."""
    if not missing(row["linked_by"]):
        return (
            f"Match confirmed by {plain(words(row['linked_by']))}  \n"
            f"{_quiet('it takes effect at the next compute')}"
        )
    if missing(row["match_score"]):
        return _quiet("no match suggested")
    if row["metric"] == "unmatched_accounts":
        system, record = row["gap_system"], row["match_customer_id"]
        name, kind = row["match_customer_name"], f"{system_title(system)} customer"
    else:
        system, record = "salesforce", row["match_account_id"]
        name, kind = row["match_account_name"], "Salesforce account"
    other = _link(system, record, short_id(record) if missing(name) else words(name))
    why = _METHODS.get(str(row["match_method"]), words(row["match_method"]))
    sure = ratio(row["match_score"], places=0)
    return f"Match: {other}  \n{_quiet(f'{kind}, {why} · {sure} sure')}"


def _decide(identity: Identity, row: dict[str, Any], decision: str) -> None:
    """Record the decision on the row's suggestion, then redraw with a confirmation."""
    account = (
        row["external_id"] if row["metric"] == "unmatched_accounts" else row["match_account_id"]
    )
    customer = (
        row["match_customer_id"] if row["metric"] == "unmatched_accounts" else row["external_id"]
    )
    try:
        actions.decide_match(
            identity, "confirm" if decision == "confirm" else "reject",
            system=str(row["gap_system"]), crm_account_id=str(account), customer_id=str(customer),
            at=wall_clock(), score=float(row["match_score"]), method=str(row["match_method"]),
        )  # fmt: skip
    except (MatchError, NotAllowedError) as exc:
        st.error(plain(str(exc)))
        return
    done = "confirmed" if decision == "confirm" else "rejected"
    st.session_state[f"{_KEY}.flash"] = (
        f"Match {done} for {words(row['customer_name'])}; recorded in the identity map and the "
        "audit log."
    )
    st.rerun()


def _row(identity: Identity, row: dict[str, Any], currency: str) -> None:
    # The key becomes the row's CSS class (st-key-revops-gap-<item id>): one row, one name.
    with st.container(key=f"revops-gap-{row['id']}"):
        cells = st.columns(_WIDTHS, vertical_alignment="center")
        what = problem(row["metric"], row["gap_system"])
        record = _link(row["system"], row["external_id"], short_id(row["external_id"]))
        cells[0].markdown(
            f"**{plain(words(row['customer_name']))}**  \n{_quiet(what)} :small[{record}]"
        )
        cells[1].markdown(_money(row, currency))
        cells[2].markdown(_suggestion(row))
        if missing(row["match_score"]) or not missing(row["linked_by"]):
            return
        with cells[3].container(horizontal=True, gap="small"):
            if st.button("Confirm", key=f"{_KEY}.{row['id']}.confirm", type="primary",
                         help="Link the pair in the identity map (audited)."):  # fmt: skip
                _decide(identity, row, "confirm")
            if st.button("Reject", key=f"{_KEY}.{row['id']}.reject",
                         help="Never suggest this pair again (audited)."):  # fmt: skip
                _decide(identity, row, "reject")


def gap_list(identity: Identity, ranked: Frame, currency: str, title: str) -> None:
    """``title``, then the ranked rows a page at a time, with a CSV of all of them."""
    flash = st.session_state.pop(f"{_KEY}.flash", None)
    pages = max(1, (len(ranked) + PAGE_ROWS - 1) // PAGE_ROWS)
    page = min(int(st.session_state.get(f"{_KEY}.page", 0)), pages - 1)
    first, last = page * PAGE_ROWS + 1, min((page + 1) * PAGE_ROWS, len(ranked))
    shown = f" · {first}–{last} of {len(ranked)}" if len(ranked) else ""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(f"**{plain(title)}**{shown}")
        st.space("stretch")
        if len(ranked):
            _pager(ranked, page, pages, currency)
    if flash:
        st.success(plain(str(flash)), icon=":material/task_alt:")
    if len(ranked) == 0:
        st.success("Every account has its customers, and every customer a live account.",
                   icon=":material/task_alt:")  # fmt: skip
        return
    rows = ranked.iloc[page * PAGE_ROWS : (page + 1) * PAGE_ROWS].to_dict("records")
    with st.container(gap="xsmall"):
        for row in rows:
            _row(identity, row, currency)


def _pager(ranked: Frame, page: int, pages: int, currency: str) -> None:
    """The buttons to the previous and next rows, and the CSV of them all."""
    if st.button("Previous", key=f"{_KEY}.previous", disabled=page == 0,
                 icon=":material/chevron_left:", type="tertiary"):  # fmt: skip
        st.session_state[f"{_KEY}.page"] = page - 1
        st.rerun()
    if st.button("Next", key=f"{_KEY}.next", disabled=page >= pages - 1,
                 icon=":material/chevron_right:", type="tertiary"):  # fmt: skip
        st.session_state[f"{_KEY}.page"] = page + 1
        st.rerun()
    data = csv_bytes(machine_readable(_export(ranked, currency)))
    st.download_button(
        "Download CSV", data, file_name=f"{_KEY}.csv", mime="text/csv", key=f"{_KEY}.csv",
        icon=":material/download:", type="tertiary",
    )  # fmt: skip


def _export(ranked: Frame, currency: str) -> Frame:
    """The list as data: ids in full, amounts beside their currency and in ``currency``."""
    columns = ["metric", "system", "object_type", "external_id", "gap_system", "customer_name",
               "amount_minor", "currency", "match_account_id", "match_customer_id",
               "match_score", "match_method", "since"]  # fmt: skip
    out = pd.DataFrame(ranked[columns])
    out["reporting_amount"] = [
        None if missing(c) else from_minor(int(c), currency) for c in ranked["converted_minor"]
    ]
    out["reporting_currency"] = currency
    return out
