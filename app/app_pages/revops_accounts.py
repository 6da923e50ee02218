"""RevOps: which accounts are not linked across systems, how much money rides on them, and which
amendments are stuck?"""

from __future__ import annotations

from datetime import date
from typing import Final

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app.components import help_line
from app.csv_export import csv_bytes, machine_readable
from app.exception_panel import exception_panel
from app.filters import current_window
from app.gap_list import gap_list
from app.links import ITEM_LINK_TEXT, item_href
from app.money_rank import rank_by_value
from app.queries import revops
from app.queries.core import Frame
from app.risk_table import converted
from app.runtime import runtime
from app.session import page_guard
from app.views import (
    Config,
    Reading,
    amounts,
    hours,
    missing,
    page_reading,
    record_column,
    record_links,
    source_column,
    source_links,
    text_column,
    words,
)
from core.display import (
    MISSING,
    count,
    duration,
    instant,
    money,
    money_list,
    rate_day,
    system_title,
)
from core.fx.convert import total_at
from core.fx.rates import RateDay

STUCK_ROWS: Final = 3
# Each tile: the problem, its title, what its money is, and what it means.
_TILES: Final = (
    ("unmatched_accounts", "Accounts without a customer", "ARR",
     "Live CRM accounts older than their SLA with no customer in NetSuite or Stripe; an account "
     "missing in both counts once. Money: their ARR."),
    ("orphan_customers", "Orphan customers", "unpaid invoices",
     "Customers whose link names no live CRM account. Money: their unpaid invoices."),
    ("duplicate_customers", "Duplicate customers", "unpaid invoices",
     "Customers sharing one CRM account with another customer of the same system. Money: their "
     "unpaid invoices."),
    ("stuck_amendments", "Stuck amendments", "value",
     "Approved amendment quotes not applied in billing within their SLA. Money: their value."),
)  # fmt: skip


def _figures(totals: Frame, accounts: Frame, metric: str) -> tuple[int, dict[str, int], str]:
    """A problem's records, its money per currency, and what to say beneath them: its gaps per
    system, or for amendments (all Salesforce quotes) how long the oldest has waited."""
    rows = totals.to_dict("records")
    counts = [r for r in rows if r["name"] == metric]
    money: dict[str, int] = {}
    for r in rows:
        if r["name"] == revops.PROBLEM_SERIES[metric] and r["value"]:
            code = str(r["labels"]["currency"])
            money[code] = money.get(code, 0) + round(r["value"])
    records = sum(round(r["value"]) for r in counts)
    if metric == "unmatched_accounts":
        # An account missing in both systems is one account, with its ARR once.
        records = int(accounts["records"].sum()) if len(accounts) else 0
        money = {
            str(c): int(a)
            for c, a in zip(accounts["currency"], accounts["amount_minor"], strict=True)
            if isinstance(c, str)
        }
    if metric == "stuck_amendments":
        waits = [r["value"] for r in rows if r["name"] == revops.OLDEST
                 and r["labels"].get("flow") == "amendment_crm_to_billing"]  # fmt: skip
        beneath = f"the oldest waits {duration(waits[0])}" if waits and records else MISSING
    else:
        beneath = " · ".join(
            f"{system_title(r['labels'].get('system'))} {count(r['value'])}"
            for r in counts if r["value"]
        ) or MISSING  # fmt: skip
    return records, money, beneath


def _tile(
    column: st.delta_generator.DeltaGenerator,
    figures: tuple[int, dict[str, int], str],
    title: str,
    money_word: str,
    help_text: str,
    rates: tuple[RateDay | None, date],
) -> None:
    """A problem's records, their money in the reporting currency, and a line beneath."""
    records, per_currency, beneath = figures
    day, as_of = rates
    currency = runtime().settings.reporting_currency
    total = total_at(day, [(a, c) for c, a in per_currency.items()], currency, as_of)
    if not per_currency:
        worth = f"no {money_word}"
    elif total.amount_minor is None:
        worth = f"{money_list(per_currency, compact=True)} {money_word}"
    else:
        worth = f"≈ {money(total.amount_minor, currency, compact=True)} {money_word}"
    exact = f" Exactly {money_list(per_currency)}" if per_currency else ""
    if exact and total.rate_date is not None:
        left = f"; {', '.join(total.left_out)} left out: no rate" if total.left_out else ""
        exact += f", in {currency} at the ECB rates of {rate_day(total.rate_date)}{left}"
    column.metric(title, count(records), help=f"{help_text}{exact}{'.' if exact else ''}")
    column.caption(f"{worth}  \n{beneath}")


def _day(value: object, reading: Reading) -> str:
    """An instant in the configured zone (how long ago is the "past SLA by" column's)."""
    if missing(value):
        return MISSING
    return instant(pd.Timestamp(str(value)).to_pydatetime(), reading.zone)


def _stuck(stuck: Frame, reading: Reading, currency: str) -> None:
    """The stuck amendments, largest value first, with how long past their SLA."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown("**Stuck amendments, largest first**")
        st.space("stretch")
        if len(stuck):
            st.download_button(
                "Download CSV", csv_bytes(machine_readable(stuck)), file_name="revops.stuck.csv",
                mime="text/csv", key="revops.stuck.csv", icon=":material/download:",
                type="tertiary",
            )  # fmt: skip
    if len(stuck) == 0:
        st.success("No stuck amendments: every approved amendment reached billing in time.",
                   icon=":material/task_alt:")  # fmt: skip
        return
    view = pd.DataFrame(
        {
            "account": [words(n) for n in stuck["customer_name"]],
            "value": amounts(stuck),
            "converted": [
                converted(c, currency, own)
                for c, own in zip(stuck["converted_minor"], stuck["currency"], strict=True)
            ],
            "past_sla": [hours(h) for h in stuck["hours_past_sla"]],
            "approved": [_day(a, reading) for a in stuck["approved_at"]],
            "record": record_links(stuck["system"], stuck["external_id"]),
            "source": source_links(
                reading, stuck["system"], stuck["object_type"], stuck["external_id"]
            ),
            "assignee": [words(a) for a in stuck["assignee"]],
            "item": [item_href("revops", i) for i in stuck["id"]],
        }
    )
    config: Config = {
        "account": text_column("Account", width="medium"),
        "value": text_column("Amendment value"),
        "converted": text_column(f"In {currency}"),
        "past_sla": text_column("Past SLA by"),
        "approved": text_column("Approved"),
        "record": record_column("Amendment"),
        "source": source_column(),
        "assignee": text_column("Assignee", width="small"),
        "item": st.column_config.LinkColumn(
            "Item", display_text=ITEM_LINK_TEXT, width="small",
            help="The item's number: the link opens this item alone, to share.",
        ),
    }  # fmt: skip
    # A column with nothing to say for any row (no web address configured, no rate loaded) is
    # left out.
    if stuck["converted_minor"].isna().all():
        view = view.drop(columns=["converted"])
    view = view[[c for c in view.columns if view[c].notna().any()]]
    # The largest few show at once; the rest scroll inside the table.
    height = 35 * (min(len(view), STUCK_ROWS) + 1) + 3
    st.dataframe(view, hide_index=True, width="stretch", height=height, column_config=config)


def main() -> None:
    """Draw the RevOps accounts and amendments page."""
    identity = page_guard("revops")
    window = current_window(identity)
    reading = page_reading(window)
    currency = runtime().settings.reporting_currency
    st.title("Accounts & amendments")
    as_of = window.until.astimezone(reading.zone).date()
    day = revops.rates(identity, as_of)
    rates = f"ECB rates of {rate_day(day.rate_date)}" if day else "no ECB rates loaded"
    st.caption(
        f"As of the latest compute, {instant(window.until, reading.zone)} · money ranked in "
        f"{currency} ({rates})."
    )
    totals, accounts = revops.totals(identity, window), revops.accounts(identity, window)
    cols = st.columns(len(_TILES))
    for col, (metric, title, money_word, help_text) in zip(cols, _TILES, strict=True):
        figures = _figures(totals, accounts, metric)
        _tile(col, figures, title, money_word, help_text, (day, as_of))
    codes = revops.currencies(totals, revops.ACCOUNT_ITEMS)
    gaps = rank_by_value(revops.gaps(identity, window, codes), day, currency)
    gap_list(identity, gaps, currency, "Accounts to link, largest first")
    codes = revops.currencies(totals, ["stuck_amendments"])
    stuck = rank_by_value(revops.stuck(identity, window, codes), day, currency)
    _stuck(stuck, reading, currency)
    help_line(
        "Ranked by value in the reporting currency; amounts in a currency without a rate follow, "
        "currency by currency. Confirming a match links the pair from the next compute."
    )
    st.subheader("Open account items")
    exception_panel(identity, "revops", revops.items(identity, window), "revops.items",
                    "No unmatched, orphan or duplicate accounts.", window=window,
                    reading=reading)  # fmt: skip


main()
