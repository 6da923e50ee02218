"""Deterministic reference rates: the same rate for a currency and day in every run.

Each currency moves within about 2 % of a plausible level along a 120-day triangle wave whose
phase depends on its code, so rates change from day to day and stay exact decimals. A rate is
published for each business day (Monday to Friday, except the fixed-date TARGET holidays) once
the day's publication time in Frankfurt has passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sandbox.catalog import World

FRANKFURT = ZoneInfo("Europe/Berlin")
PUBLISHED_AT = time(16, 0)
"""When the ECB publishes a day's rates, Frankfurt time."""

_LEVELS = {
    "USD": Decimal("1.0800"), "JPY": Decimal("162.00"), "GBP": Decimal("0.85000"),
    "CHF": Decimal("0.9400"), "CAD": Decimal("1.4700"), "AUD": Decimal("1.6300"),
    "SEK": Decimal("11.2000"), "NOK": Decimal("11.5000"), "DKK": Decimal("7.4600"),
    "PLN": Decimal("4.3000"), "CZK": Decimal("25.000"), "SGD": Decimal("1.4500"),
}  # fmt: skip
"""Each currency's level, with the decimals the ECB quotes it to."""
_DEFAULT_LEVEL = Decimal("1.0000")
_HOLIDAYS = ((1, 1), (5, 1), (12, 25), (12, 26))
"""TARGET closing days on a fixed date (Good Friday and Easter Monday move; they are kept)."""
_PERIOD = 120
_AMPLITUDE = 30
_SCALE = 1500


def world_currencies(world: World) -> list[str]:
    """Every currency other than the euro that the world's accounts and invoices use."""
    codes: set[str] = {a.currency for a in world.accounts}
    codes.update(i.currency for i in world.invoices)
    codes.update(i.currency for i in world.erp_invoices)
    codes.update(a.currency for a in world.amendments)
    return sorted(codes - {"EUR"})


def rate(currency: str, day: date) -> Decimal:
    """Units of ``currency`` per 1 EUR on ``day``."""
    level = _LEVELS.get(currency, _DEFAULT_LEVEL)
    phase = sum(ord(c) for c in currency)
    wave = abs((day.toordinal() + phase) % _PERIOD - _PERIOD // 2) - _AMPLITUDE
    return (level * (1 + Decimal(wave) / _SCALE)).quantize(level)


def is_business_day(day: date) -> bool:
    """Whether the ECB publishes rates on ``day``."""
    return day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS


def published_days(first: date, now: datetime) -> list[date]:
    """The business days from ``first`` whose rates are published by ``now``, newest first."""
    local = now.astimezone(FRANKFURT)
    last = local.date() if local.time() >= PUBLISHED_AT else local.date() - timedelta(days=1)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return sorted((d for d in days if is_business_day(d)), reverse=True)


def rate_table(
    currencies: Iterable[str], days: Iterable[date]
) -> list[tuple[date, dict[str, Decimal]]]:
    """The rates of ``currencies`` on each of ``days``, in the order of ``days``."""
    codes = list(currencies)
    return [(day, {code: rate(code, day) for code in codes}) for day in days]
