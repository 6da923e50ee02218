"""How values read to people: money, durations, instants and ratios, for pages, Slack and reports.

One module so every place a person reads a figure says it the same way: money in the currency's
own symbol and minor unit (``$681,383.34``, ``¥6,290,000``, ``€29,816.66``, ``KWD 1.234``,
credits as ``-$1,234.50``), compact in tiles (``$681.4K``); durations as ``3 d 4 h`` or
``45 min``; instants in the configured time zone with how long ago; ratios as percentages; an
em dash where a value does not apply. Machine-readable output (CSV, JSON) keeps raw values.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from numbers import Real
from typing import Final
from zoneinfo import ZoneInfo

from babel.numbers import format_compact_decimal, format_decimal, get_currency_symbol

from core.money import exponent, from_minor

MISSING: Final = "—"
LOCALE: Final = "en_US"
_NBSP: Final = "\u00a0"


def _number(value: object) -> float | None:
    """``value`` as a finite number, or None (None, NaN, text and booleans are not amounts)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _symbol(currency: str) -> str:
    """The currency's symbol, with a non-breaking space after a letter code (``KWD 1.234``)."""
    symbol = get_currency_symbol(currency, locale=LOCALE)
    return f"{symbol}{_NBSP}" if symbol[-1:].isalpha() else symbol


def money(amount_minor: object, currency: object, *, compact: bool = False) -> str:
    """An amount held in minor units, in the currency's own form; an em dash without one."""
    number = _number(amount_minor)
    if number is None or not isinstance(currency, str) or len(currency.strip()) != 3:
        return MISSING
    code = currency.strip().upper()
    places = exponent(code)
    exact = from_minor(round(number), code)
    sign = "-" if exact < 0 else ""
    if compact and abs(exact) >= 1000:
        digits = format_compact_decimal(abs(exact), locale=LOCALE, fraction_digits=1)
    else:
        pattern = "#,##0" + ("." + "0" * places if places else "")
        digits = format_decimal(abs(exact), format=pattern, locale=LOCALE)
    return f"{sign}{_symbol(code)}{digits}"


def money_list(amounts: dict[str, int], *, compact: bool = False) -> str:
    """Several currencies' amounts side by side, by currency code: never summed across them."""
    if not amounts:
        return MISSING
    return " · ".join(money(amounts[code], code, compact=compact) for code in sorted(amounts))


def duration(value: timedelta | float | None) -> str:
    """A length of time in its two largest units: ``3 d 4 h``, ``2 h 5 min``, ``45 min``."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else _number(value)
    if seconds is None or seconds < 0:
        return MISSING
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def ago(instant: datetime | None, now: datetime) -> str:
    """How long before ``now`` ``instant`` was: ``2 h ago``, ``just now``; ``in 3 h`` ahead."""
    if instant is None:
        return MISSING
    delta = (now - instant).total_seconds()
    if abs(delta) < 60:
        return "just now"
    return f"{duration(delta)} ago" if delta > 0 else f"in {duration(-delta)}"


def instant(value: datetime | None, zone: ZoneInfo, now: datetime | None = None) -> str:
    """``2026-11-20 13:00 CET`` in the configured zone, and ``(2 h ago)`` given ``now``."""
    if value is None:
        return MISSING
    local = value.astimezone(zone)
    text = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    return f"{text} ({ago(value, now)})" if now is not None else text


def ratio(value: object, *, places: int = 1) -> str:
    """A ratio as a percentage: ``0.975`` → ``97.5%``."""
    number = _number(value)
    return MISSING if number is None else f"{number * 100:.{places}f}%"


def count(value: object) -> str:
    """A whole count with thousands separators."""
    number = _number(value)
    return MISSING if number is None else f"{round(number):,}"


def metric_value(value: float, unit: str, labels: dict[str, str] | None = None) -> str:
    """A metric's value in the words its unit calls for: durations, percentages, money, counts."""
    if unit == "seconds":
        return duration(value)
    if unit == "ratio":
        return ratio(value)
    if unit == "minor" and labels and "currency" in labels:
        return money(value, labels["currency"])
    number = _number(value)
    if number is None:
        return MISSING
    return count(number) if number.is_integer() else f"{number:,.4g}"
