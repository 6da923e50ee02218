"""The formatters at the edges people meet: zero- and three-decimal currencies, credits, zero,
a missing exchange rate (missing, never zero), and instants around daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.display import (
    MISSING,
    ago,
    converted_total,
    count,
    duration,
    instant,
    metric_value,
    money,
    money_list,
    ratio,
)
from core.fx.convert import total_at
from core.fx.rates import RateDay

NBSP = "\u00a0"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
RATE_DAY = date(2026, 12, 2)
RATES = RateDay(RATE_DAY, {"USD": Decimal("1.0790"), "JPY": Decimal("160.00")})


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (-6_290_000, "JPY", "-¥6,290,000"),
        (1, "JPY", "¥1"),
        (1234.6, "JPY", "¥1,235"),
        (1_234_567, "KWD", f"KWD{NBSP}1,234.567"),
        (-500, "KWD", f"-KWD{NBSP}0.500"),
        (0, "KWD", f"KWD{NBSP}0.000"),
        (1, "KWD", f"KWD{NBSP}0.001"),
        (-1, "USD", "-$0.01"),
        (0, "EUR", "€0.00"),
        (-0.4, "USD", "$0.00"),
    ],
)
def test_money_in_zero_and_three_decimal_currencies_credits_and_zero(
    amount: float, currency: str, text: str
) -> None:
    assert money(amount, currency) == text


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (-6_290_000, "JPY", "-¥6.3M"),
        (999, "JPY", "¥999"),
        (1_234_567, "KWD", f"KWD{NBSP}1.2K"),
        (999_999, "KWD", f"KWD{NBSP}999.999"),
        (1_000_000, "KWD", f"KWD{NBSP}1K"),
        (0, "USD", "$0.00"),
    ],
)
def test_compact_money_keeps_the_sign_and_the_currency(
    amount: int, currency: str, text: str
) -> None:
    assert money(amount, currency, compact=True) == text


def test_a_list_of_currencies_keeps_credits_and_zeros_apart() -> None:
    amounts = {"USD": -123_450, "JPY": 0, "KWD": 1_500}
    assert money_list(amounts) == f"¥0 · KWD{NBSP}1.500 · -$1,234.50"


def test_a_total_without_any_rate_says_so_and_is_never_zero() -> None:
    total = total_at(None, [(1_000, "GBP")], "USD", date(2026, 12, 1))
    text = converted_total(
        total.currency, total.amount_minor, total.rate_date, total.left_out, total.as_of
    )
    assert total.amount_minor is None
    assert text == "no total in USD: no ECB rates on or before 1 Dec 2026"
    assert "$0" not in text


def test_a_total_whose_only_currency_has_no_rate_is_missing_never_zero() -> None:
    total = total_at(RATES, [(1_000, "KWD")], "USD", RATE_DAY)
    text = converted_total(
        total.currency, total.amount_minor, total.rate_date, total.left_out, total.as_of
    )
    assert (total.amount_minor, total.left_out) == (None, ("KWD",))
    assert text == "no total in USD: no ECB rate for KWD on 2 Dec 2026"
    assert "$0" not in text


def test_a_total_names_the_currencies_it_leaves_out() -> None:
    total = total_at(RATES, [(16_000, "JPY"), (1_000, "KWD"), (-500, "USD")], "USD", RATE_DAY)
    text = converted_total(
        total.currency, total.amount_minor, total.rate_date, total.left_out, total.as_of
    )
    # ¥16,000 is €100.00 is $107.90; with a $5.00 credit, $102.90.
    assert text == "≈ $102.90 at ECB rates of 2 Dec 2026; KWD left out: no rate"


def test_a_total_that_is_zero_reads_as_zero() -> None:
    total = total_at(RATES, [(500, "USD"), (-500, "USD")], "USD", RATE_DAY)
    text = converted_total(
        total.currency, total.amount_minor, total.rate_date, total.left_out, total.as_of
    )
    assert text == "≈ $0.00 at ECB rates of 2 Dec 2026"


def test_instants_around_the_skipped_hour_never_read_as_it() -> None:
    # Berlin springs forward on 29 Mar 2026: 02:00 CET is 03:00 CEST, 02:xx never happens.
    before = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    after = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert instant(before, BERLIN) == "2026-03-29 01:59 CET"
    assert instant(after, BERLIN) == "2026-03-29 03:00 CEST"
    assert instant(after, BERLIN, before) == "2026-03-29 03:00 CEST (in 1 min)"


def test_the_repeated_hour_is_told_apart_by_its_zone() -> None:
    # New York falls back on 1 Nov 2026: 01:30 happens twice, first EDT then EST.
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert instant(first, NEW_YORK) == "2026-11-01 01:30 EDT"
    assert instant(second, NEW_YORK, second) == "2026-11-01 01:30 EST (just now)"
    assert instant(first, NEW_YORK, second) == "2026-11-01 01:30 EDT (1 h ago)"


@pytest.mark.parametrize(
    ("then", "now"),
    [
        # Spring forward: 00:30 CET to 03:30 CEST reads three hours on the wall, two elapsed.
        (datetime(2026, 3, 29, 0, 30, tzinfo=BERLIN), datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)),
        # Fall back: 01:00 CEST to the second 02:00 (CET) reads one hour on the wall, two elapsed.
        (
            datetime(2026, 10, 25, 1, 0, tzinfo=BERLIN),
            datetime(2026, 10, 25, 2, 0, tzinfo=BERLIN, fold=1),
        ),
    ],
)
def test_how_long_ago_counts_elapsed_time_across_a_change(then: datetime, now: datetime) -> None:
    assert ago(then, now) == "2 h ago"
    assert ago(then.astimezone(UTC), now) == "2 h ago"
    assert ago(then, now.astimezone(NEW_YORK)) == "2 h ago"
    assert instant(then, BERLIN, now).endswith("(2 h ago)")


def test_zero_and_negative_figures() -> None:
    assert duration(timedelta(0)) == "0 s"
    assert duration(timedelta(seconds=-1)) == MISSING  # a negative age is never shown
    assert ratio(0) == "0.0%"
    assert ratio(-0.025) == "-2.5%"
    assert count(0) == "0"
    assert count(-3) == "-3"


@pytest.mark.parametrize(
    ("value", "unit", "labels", "text"),
    [
        (6_290_000, "minor", {"currency": "JPY"}, "¥6,290,000"),
        (-1_500, "minor", {"currency": "KWD"}, f"-KWD{NBSP}1.500"),
        (0, "minor", {"currency": "USD"}, "$0.00"),
        (123_456, "minor", None, "123,456"),
        (172_800, "seconds", None, "2 d"),
        (-30, "seconds", None, MISSING),
        (0, "ratio", None, "0.0%"),
        (float("nan"), "count", None, MISSING),
    ],
)
def test_metric_values_in_their_units(
    value: float, unit: str, labels: dict[str, str] | None, text: str
) -> None:
    assert metric_value(value, unit, labels) == text
