"""The risks as an executive reads them: the largest ones (what is wrong, whose record, how much
money in its own currency and the reporting one, who owns it, for how long, a link to the
record), and each problem's money for its chart."""

from __future__ import annotations

from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app.links import record_href
from app.queries.core import Frame
from app.views import Config, Reading, missing, record_column, words
from core.display import (
    MISSING,
    duration,
    metric_title,
    money,
    short_id,
    system_title,
    team_title,
)

# Past its SLA says least about a record that another problem names.
_VAGUE = "sla_breaches"


def problem(metrics: Any) -> str:
    """The record's main problem in words: the first metric listing it that says more than
    "past its SLA" (the query lists them most telling first)."""
    ordered = [str(m) for m in metrics]
    return metric_title(next((m for m in ordered if m != _VAGUE), ordered[0]))


def record_text(external_id: object, name: object, customer: object) -> str:
    """How a record's link reads: its own name (an invoice's number) where it has one other
    than its customer's, else its shortened id."""
    if missing(name) or words(name) == words(customer):
        return short_id(external_id)
    return words(name)


def owner(assignee: object, team: object) -> str:
    """The person assigned, else the owning team."""
    return words(assignee) if not missing(assignee) else team_title(team)


def age(since: object, reading: Reading) -> str:
    """How long the problem has lasted at the page's "now" (never negative)."""
    if missing(since):
        return MISSING
    began = pd.Timestamp(since).to_pydatetime()
    return duration(max(0.0, (reading.now - began).total_seconds()))


def converted(amount: object, currency: str, own: object) -> str:
    """The amount in the reporting ``currency`` (exact when it is the record's ``own``), or
    why there is none."""
    if missing(amount):
        return "no ECB rate"
    return money(amount, currency) if own == currency else f"≈ {money(amount, currency)}"


def risk_view(ranked: Frame, reading: Reading, currency: str) -> tuple[Frame, Config]:
    """``ranked`` (executive.risks, ranked by money_rank) as the page's table."""
    rows = ranked.to_dict("records")
    view = pd.DataFrame(
        {
            "problem": [problem(r["metrics"]) for r in rows],
            "customer": [words(r["customer_name"]) for r in rows],
            "amount": [money(r["amount_minor"], r["currency"]) for r in rows],
            "converted": [converted(r["converted_minor"], currency, r["currency"]) for r in rows],
            "owner": [owner(r["assignee"], r["owner"]) for r in rows],
            "age": [age(r["since"], reading) for r in rows],
            "record": [
                record_href(
                    str(r["system"]), str(r["external_id"]),
                    record_text(r["external_id"], r["record_name"], r["customer_name"]),
                )
                for r in rows
            ],
        },
        columns=["problem", "customer", "amount", "converted", "owner", "age", "record"],
    )  # fmt: skip
    if all(missing(r["converted_minor"]) for r in rows):
        # Without any rate there is nothing to say in the reporting currency.
        view = view.drop(columns=["converted"])
    column = st.column_config.TextColumn
    config: Config = {
        "problem": column("What is wrong", width=210),
        "customer": column("Customer", width=190),
        "amount": column("Amount", width=110),
        "converted": column(f"In {currency}", help="At the ECB rates named under the table.",
                            width=115),
        "owner": column("Owner", width=105),
        "age": column("Open for", width=80),
        "record": record_column("Record"),
    }  # fmt: skip
    return view, config


def problem_money_view(money: Frame) -> Frame:
    """Each problem's open money per currency, an account's per system it is missing in."""
    rows = []
    for name, labels, value in zip(money["name"], money["labels"], money["value"], strict=True):
        if not value:
            continue
        what = metric_title(str(name).removesuffix("_amount").removesuffix("_arr"))
        if "system" in labels:
            what = f"{what} in {system_title(labels['system'])}"
        rows.append({"Problem": what, "currency": labels["currency"], "amount_minor": value})
    frame = pd.DataFrame(rows, columns=["Problem", "currency", "amount_minor"])
    return frame.groupby(["Problem", "currency"], as_index=False, sort=False).sum()
