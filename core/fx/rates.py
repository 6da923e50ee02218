"""What every reader of reference rates shares: the rate table, its error and cell checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.errors import SyncwatchError

RateTable = dict[date, dict[str, Decimal]]
"""Units of each currency per 1 EUR, per rate date (the euro itself is never listed)."""

_RATE = re.compile(r"^\d{1,12}(\.\d{1,12})?$")
_CODE = re.compile(r"^[A-Z]{3}$")
FIX = "correct the source, or load another ECB file or URL"


class FxError(SyncwatchError):
    """Reference rates that cannot be read: nothing of them is loaded."""

    def __init__(self, where: str, problem: str, fix: str = FIX) -> None:
        super().__init__(f"{where}: {problem}; nothing was loaded ({fix})")


@dataclass(frozen=True, slots=True)
class RateDay:
    """The rates of one publication day: units of each currency per 1 EUR."""

    rate_date: date
    per_eur: dict[str, Decimal]


def read_rate(text: str, where: str) -> Decimal:
    """A published rate: a positive decimal such as ``1.0812`` (never a float)."""
    value = text.strip()
    if not _RATE.match(value) or Decimal(value) == 0:
        raise FxError(where, f"rate {text!r} is not a positive decimal number such as 1.0812")
    return Decimal(value)


def read_currency(text: str, where: str) -> str:
    """A quoted currency: three upper-case letters, and never the euro (its rate is 1)."""
    code = text.strip()
    if not _CODE.match(code):
        raise FxError(where, f"currency {text!r} is not a three-letter ISO 4217 code")
    if code == "EUR":
        raise FxError(where, "EUR is the base of the reference rates and has no rate of its own")
    return code


def add_rate(table: RateTable, day: date, currency: str, rate: Decimal, where: str) -> None:
    """Put one rate in ``table``, refusing a second rate for the same day and currency."""
    rates = table.setdefault(day, {})
    if currency in rates:
        raise FxError(where, f"{currency} on {day.isoformat()} is given twice")
    rates[currency] = rate
