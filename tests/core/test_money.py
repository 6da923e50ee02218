"""The one currency table, shared by the collectors, the sandbox and every display."""

from __future__ import annotations

import pytest

from core.money import from_minor, to_minor
from sandbox.wire.money import decimal_string, major_units


@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD", "MGA", "EUR"])
def test_wire_and_store_agree_on_every_currency(currency: str) -> None:
    """The sandbox writes amounts with the same table the collectors read them with."""
    for minor in (0, 5, -5, 123456, 1_000_000_001):
        assert to_minor(decimal_string(minor, currency), currency) == minor
        assert to_minor(major_units(minor, currency), currency) == minor
        assert to_minor(from_minor(minor, currency), currency) == minor
