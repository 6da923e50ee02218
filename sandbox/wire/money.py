"""Money on the wire: minor units in the model, major units or decimal strings in the APIs."""

from __future__ import annotations

from core.money import exponent, from_minor


def major_units(minor: int, currency: str) -> int | float:
    """An amount as a JSON number in major units (12000050 USD -> 120000.5, JPY stays whole)."""
    places = exponent(currency)
    return minor if places == 0 else minor / 10**places


def decimal_string(minor: int, currency: str) -> str:
    """An amount as a decimal string with the currency's decimals ("1234.50", JPY "1234")."""
    return str(from_minor(minor, currency))
