"""Rows of several currencies ranked by their value in the reporting currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd  # type: ignore[import-untyped]

from app.money_rank import rank_by_value
from core.fx.rates import RateDay

DAY = RateDay(date(2026, 11, 20), {"USD": Decimal("1.0825"), "JPY": Decimal("162.50")})
ROWS = pd.DataFrame(
    {
        "name": ["dollars", "euros", "yen", "pounds", "nothing"],
        "amount_minor": [100_000, 50_000, -200_000, 90_000, None],
        "currency": ["USD", "EUR", "JPY", "GBP", None],
    }
)


def test_rows_rank_by_value_and_those_without_a_rate_follow_by_their_own_amount() -> None:
    ranked = rank_by_value(ROWS, DAY, "USD")
    # ¥200,000 (a negative difference counts by its size) ≈ $1,332.31; €500 ≈ $541.25; GBP
    # has no rate that day: it follows, then the row without money.
    assert list(ranked["name"]) == ["yen", "dollars", "euros", "pounds", "nothing"]
    assert list(ranked["converted_minor"]) == [133_231, 100_000, 54_125, None, None]


def test_without_any_rate_the_reporting_currency_leads_and_the_others_follow_by_currency() -> None:
    rows = pd.concat([ROWS, pd.DataFrame({"name": ["more euros"], "amount_minor": [90_000],
                                          "currency": ["EUR"]})], ignore_index=True)  # fmt: skip
    ranked = rank_by_value(rows, None, "USD")
    # Dollars need no rate; euros, pounds and yen cannot be compared with each other: each
    # currency's rows follow together, largest first.
    assert list(ranked["name"]) == [
        "dollars", "more euros", "euros", "pounds", "yen", "nothing",
    ]  # fmt: skip
    assert list(ranked["converted_minor"])[:2] == [100_000, None]


def test_an_empty_frame_stays_empty() -> None:
    assert len(rank_by_value(ROWS.head(0), DAY, "USD")) == 0
