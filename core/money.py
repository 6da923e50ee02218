"""Money as integer minor units: the one currency table and exact conversions.

Amounts are stored in the currency's minor unit. The table follows ISO 4217 and, where a
billing API counts a currency differently (Stripe treats MGA as zero-decimal), the API's unit,
so an amount read from any system converts the same way.

Between currencies an amount converts through euro cross rates (units of a currency per 1 EUR,
as the ECB publishes them): exact rational arithmetic on the decimal rates, rounded once, half
to even, to the target's minor unit. A currency without a rate has no converted amount, never
zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType

from core.errors import RecordError

# Every ISO 4217 currency with the decimal places of its minor unit, in the billing APIs' unit
# where one counts differently (Stripe treats MGA as zero-decimal).
_CURRENCIES = {
    "AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2,
    "AZN": 2, "BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2,
    "BOB": 2, "BOV": 2, "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2, "CAD": 2,
    "CDF": 2, "CHE": 2, "CHF": 2, "CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2, "COP": 2, "COU": 2,
    "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2, "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2,
    "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2, "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2,
    "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2, "IDR": 2,
    "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2,
    "KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2,
    "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 0, "MKD": 2,
    "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2, "MVR": 2, "MWK": 2, "MXN": 2, "MXV": 2,
    "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2, "NZD": 2, "OMR": 3,
    "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0, "QAR": 2, "RON": 2,
    "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2,
    "SHP": 2, "SLE": 2, "SOS": 2, "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2,
    "THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2,
    "UAH": 2, "UGX": 0, "USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4, "UZS": 2, "VED": 2,
    "VES": 2, "VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2, "XCG": 2, "XOF": 0, "XPF": 0,
    "YER": 2, "ZAR": 2, "ZMW": 2, "ZWG": 2,
}  # fmt: skip
_EXPONENTS = MappingProxyType({code: e for code, e in _CURRENCIES.items() if e != 2})


def exponent(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit (two for a code the table does not list)."""
    return _CURRENCIES.get(currency.upper(), 2)


def exponents() -> Mapping[str, int]:
    """Every currency whose minor unit is not a hundredth, with its decimal places."""
    return _EXPONENTS


def is_currency(code: str) -> bool:
    """Whether ``code`` (upper case) is a currency of the table."""
    return code in _CURRENCIES


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


def _per_eur(currency: str, per_eur: Mapping[str, Decimal]) -> Decimal | None:
    """Units of ``currency`` per 1 EUR (EUR itself is 1), or None without a rate."""
    return Decimal(1) if currency == "EUR" else per_eur.get(currency)


def _exact(
    amount_minor: int, source: str, target: str, per_eur: Mapping[str, Decimal]
) -> Fraction | None:
    """``amount_minor`` of ``source`` in minor units of ``target``, unrounded."""
    if source == target:
        return Fraction(amount_minor)
    source_rate, target_rate = _per_eur(source, per_eur), _per_eur(target, per_eur)
    if source_rate is None or target_rate is None:
        return None
    scale = Fraction(10) ** (exponent(target) - exponent(source))
    return Fraction(amount_minor) * Fraction(target_rate) / Fraction(source_rate) * scale


def convert_minor(
    amount_minor: int, source: str, target: str, per_eur: Mapping[str, Decimal]
) -> int | None:
    """``amount_minor`` of ``source`` in minor units of ``target`` through the EUR rates
    ``per_eur`` (rounded half to even), or None when either currency has no rate."""
    exact = _exact(amount_minor, source.upper(), target.upper(), per_eur)
    return None if exact is None else round(exact)


def total_minor(
    amounts: Iterable[tuple[int, str]], target: str, per_eur: Mapping[str, Decimal]
) -> tuple[int | None, list[str]]:
    """The sum of ``(amount_minor, currency)`` pairs in minor units of ``target``, rounded once
    (half to even), and the currencies left out for want of a rate (sorted).

    The sum covers every currency with a rate; it is None when none has one (or ``target``
    has none).
    """
    code = target.upper()
    total, covered, left_out = Fraction(0), False, set()
    for amount, currency in amounts:
        exact = _exact(amount, currency.upper(), code, per_eur)
        if exact is None:
            left_out.add(currency.upper())
        else:
            total += exact
            covered = True
    return (round(total) if covered else None), sorted(left_out)
