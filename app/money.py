"""Money display: minor units to major units per currency, never summed across currencies."""

from __future__ import annotations

from numbers import Real
from typing import Final

# ISO 4217 currencies without a minor unit (as Stripe lists them); all others have two decimals
# except the three-decimal dinars.
ZERO_DECIMAL: Final = frozenset(
    [
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
    ]
)
THREE_DECIMAL: Final = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


def exponent(currency: str) -> int:
    """Digits after the decimal point of ``currency``."""
    code = currency.upper().strip()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def major(amount_minor: float, currency: str) -> float:
    """``amount_minor`` in the currency's major unit."""
    return float(amount_minor) / float(10 ** exponent(currency))


def format_money(amount_minor: object, currency: object) -> str:
    """``12,345.67 USD`` (or an em dash without an amount or currency, NaN included)."""
    if not isinstance(currency, str) or not isinstance(amount_minor, Real):
        return "—"
    if amount_minor != amount_minor:  # NaN: pandas' missing value
        return "—"
    digits = exponent(currency)
    return f"{major(float(amount_minor), currency):,.{digits}f} {currency.upper().strip()}"
