"""Every formatter people read, at its edges: currencies, signs, missing values, time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.display import MISSING, ago, count, duration, instant, money, money_list, ratio

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (68_138_334, "USD", "$681,383.34"),
        (6_290_000, "JPY", "¥6,290,000"),
        (2_981_666, "EUR", "€29,816.66"),
        (1234, "KWD", f"KWD{NBSP}1.234"),
        (-123_450, "USD", "-$1,234.50"),
        (0, "GBP", "£0.00"),
        (0, "JPY", "¥0"),
        (5, "usd", "$0.05"),
        (1200, "CAD", "CA$12.00"),
        (123456.0, "USD", "$1,234.56"),
        (None, "USD", MISSING),
        (float("nan"), "USD", MISSING),
        (100, None, MISSING),
        (100, "", MISSING),
        (True, "USD", MISSING),
    ],
)
def test_money_reads_in_the_currencys_own_form(amount: object, currency: object, text: str) -> None:
    assert money(amount, currency) == text


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (68_138_334, "USD", "$681.4K"),
        (6_290_000, "JPY", "¥6.3M"),
        (-250_000_000, "EUR", "-€2.5M"),
        (99_999, "USD", "$999.99"),
    ],
)
def test_compact_money_for_tiles(amount: int, currency: str, text: str) -> None:
    assert money(amount, currency, compact=True) == text


def test_several_currencies_are_listed_never_summed() -> None:
    assert money_list({"USD": 100, "JPY": 5000}) == "¥5,000 · $1.00"
    assert money_list({}) == MISSING


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(days=3, hours=4, minutes=5), "3 d 4 h"),
        (timedelta(days=2), "2 d"),
        (timedelta(hours=2, minutes=5), "2 h 5 min"),
        (timedelta(minutes=45, seconds=30), "45 min"),
        (12.9, "12 s"),
        (0, "0 s"),
        (10_381_652.298, "120 d 3 h"),
        (-298.6, MISSING),
        (None, MISSING),
        (float("nan"), MISSING),
    ],
)
def test_durations_in_two_units(value: timedelta | float | None, text: str) -> None:
    assert duration(value) == text


def test_instants_in_the_configured_zone_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    summer = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, before the fall-back
    winter = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the repeated hour
    assert instant(summer, berlin) == "2026-10-25 02:30 CEST"
    assert instant(winter, berlin, now) == "2026-10-25 02:30 CET (1 h 30 min ago)"
    assert instant(None, berlin) == MISSING


def test_relative_times_never_read_negative() -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert ago(now - timedelta(hours=2), now) == "2 h ago"
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now + timedelta(seconds=20), now) == "just now"
    assert ago(now + timedelta(hours=3), now) == "in 3 h"
    assert ago(None, now) == MISSING


def test_ratios_and_counts() -> None:
    assert ratio(0.975) == "97.5%"
    assert ratio(1) == "100.0%"
    assert ratio(None) == MISSING
    assert count(1234567.0) == "1,234,567"
    assert count(float("nan")) == MISSING
