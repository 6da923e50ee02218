"""The one currency table and the one money formatter, shared by pages, Slack and reports."""

from __future__ import annotations

import pytest

from core.money import format_amount, format_money, from_minor, to_minor
from sandbox.wire.money import decimal_string, major_units


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (123456, "USD", "1,234.56 USD"),
        (1_000_000, "JPY", "1,000,000 JPY"),
        (1234, "BHD", "1.234 BHD"),
        (-50, "EUR", "-0.50 EUR"),
        (None, "EUR", "—"),
        (float("nan"), "EUR", "—"),
    ],
)
def test_money_uses_each_currencys_minor_unit(amount: object, currency: str, text: str) -> None:
    assert format_money(amount, currency) == text


@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD", "MGA", "EUR"])
def test_wire_and_store_agree_on_every_currency(currency: str) -> None:
    """The sandbox writes amounts with the same table the collectors read them with."""
    for minor in (0, 5, -5, 123456, 1_000_000_001):
        assert to_minor(decimal_string(minor, currency), currency) == minor
        assert to_minor(major_units(minor, currency), currency) == minor
        assert to_minor(from_minor(minor, currency), currency) == minor


def test_float_amounts_keep_the_currency_decimals() -> None:
    assert format_amount(1234.0, "USD") == "12.34"
    assert format_amount(1234.0, "JPY") == "1,234"
