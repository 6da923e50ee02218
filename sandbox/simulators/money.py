"""Money on the wire: minor units in the model, major units or decimal strings in the APIs."""

from __future__ import annotations

# ISO 4217 currencies without a minor unit, as Stripe and the ERP treat them.
ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)


def major_units(minor: int, currency: str) -> int | float:
    """An amount as a JSON number in major units (12000050 USD -> 120000.5, JPY stays whole)."""
    if currency.upper() in ZERO_DECIMAL:
        return minor
    return minor / 100


def decimal_string(minor: int, currency: str) -> str:
    """An amount as a decimal string with the currency's decimals ("1234.50", JPY "1234")."""
    if currency.upper() in ZERO_DECIMAL:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"
