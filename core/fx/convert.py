"""Amounts in the reporting currency at the ECB rates of a day: one amount, or a total.

The rates used are those of the latest rate date on or before the as-of date (a weekend or a
holiday uses the last business day before it). A currency without a rate that day has no
converted amount: a total leaves it out and says so, and is missing when nothing converts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from core.fx.rates import RateDay
from core.fx.store import rates_as_of
from core.money import convert_minor, total_minor


@dataclass(frozen=True, slots=True)
class Converted:
    """An amount in minor units of ``currency`` and the rate date it was converted at."""

    amount_minor: int
    currency: str
    rate_date: date


@dataclass(frozen=True, slots=True)
class FxTotal:
    """Amounts of several currencies as one total in ``currency``.

    ``amount_minor`` covers every currency not in ``left_out``; it is None when none has a rate
    (``rate_date`` None: no rates at all on or before ``as_of``).
    """

    currency: str
    as_of: date
    amount_minor: int | None
    rate_date: date | None
    left_out: tuple[str, ...]


def convert_at(
    day: RateDay | None, amount_minor: int, currency: str, target: str
) -> Converted | None:
    """``amount_minor`` of ``currency`` in ``target`` at ``day``'s rates, or None."""
    if day is None:
        return None
    converted = convert_minor(amount_minor, currency, target, day.per_eur)
    if converted is None:
        return None
    return Converted(converted, target.upper(), day.rate_date)


def convert(
    conn: psycopg.Connection[Any], amount_minor: int, currency: str, target: str, as_of: date
) -> Converted | None:
    """``amount_minor`` of ``currency`` in ``target`` at the latest rates on or before
    ``as_of``; None when either currency has no rate then."""
    return convert_at(rates_as_of(conn, as_of), amount_minor, currency, target)


def total_at(
    day: RateDay | None, amounts: Iterable[tuple[int, str]], target: str, as_of: date
) -> FxTotal:
    """``(amount_minor, currency)`` pairs as one total in ``target`` at ``day``'s rates."""
    pairs = list(amounts)
    code = target.upper()
    if day is None:
        left_out = tuple(sorted({currency.upper() for _, currency in pairs} - {code}))
        return FxTotal(code, as_of, None, None, left_out)
    amount, missing = total_minor(pairs, code, day.per_eur)
    return FxTotal(code, as_of, amount, day.rate_date, tuple(missing))


def total_in(
    conn: psycopg.Connection[Any], amounts: Iterable[tuple[int, str]], target: str, as_of: date
) -> FxTotal:
    """``(amount_minor, currency)`` pairs as one total in ``target`` at the latest rates on or
    before ``as_of``."""
    return total_at(rates_as_of(conn, as_of), amounts, target, as_of)
