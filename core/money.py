"""Money as integer minor units: the one currency table and exact conversion.

Amounts are stored in the currency's minor unit. The table follows ISO 4217 and, where a
billing API counts a currency differently (Stripe treats MGA as zero-decimal), the API's unit,
so an amount read from any system converts the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from core.errors import RecordError

# Currencies without two decimals; every other currency has two.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def exponent(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit."""
    return _EXPONENTS.get(currency.upper(), 2)


def exponents() -> Mapping[str, int]:
    """Every currency whose minor unit is not a hundredth, with its decimal places."""
    return MappingProxyType(_EXPONENTS)


def currency_code(value: object) -> str:
    """A three-letter ISO currency code, upper-cased."""
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        raise RecordError(f"currency {value!r} is not an ISO 4217 code")
    return value.upper()


def to_minor(amount: object, currency: str) -> int:
    """Convert a decimal amount (number or string) to minor units, refusing lost precision."""
    if isinstance(amount, bool) or amount is None:
        raise RecordError(f"amount {amount!r} is not a number")
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise RecordError(f"amount {amount!r} is not a number") from None
    if not value.is_finite():
        raise RecordError(f"amount {amount!r} is not a number")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise RecordError(f"amount {amount!r} has more decimals than {currency} allows")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Minor units back to an exact decimal amount (1234 USD -> 12.34, JPY stays whole)."""
    return Decimal(minor).scaleb(-exponent(currency))


def major(amount_minor: float, currency: str) -> float:
    """``amount_minor`` in the currency's major unit, as a float for charts."""
    return float(amount_minor) / float(10 ** exponent(currency))
