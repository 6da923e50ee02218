"""Rows of several currencies in one order: by their value in the reporting currency.

A query reads the largest few rows of each currency (whatever the rates, the overall largest
are among them); ``rank_by_value`` converts each at one day's ECB rates and ranks them all (an
amount already in the reporting currency needs no rate). Amounts in a currency without a rate
that day cannot be compared with the others: they follow, currency by currency, largest first;
a row without money follows them all.
"""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]

from app.queries.core import Frame
from app.views import missing
from core.fx.convert import convert_at
from core.fx.rates import RateDay


def in_currency(amount: int, code: str, day: RateDay | None, currency: str) -> int | None:
    """``amount`` minor units of ``code`` in ``currency``: as they are when the currencies
    agree, else at ``day``'s rates (None without one)."""
    if code.upper() == currency.upper():
        return amount
    found = convert_at(day, amount, code, currency)
    return None if found is None else found.amount_minor


def rank_by_value(frame: Frame, day: RateDay | None, currency: str) -> Frame:
    """``frame`` (``amount_minor`` and ``currency`` columns) largest value first, with
    ``converted_minor``: each amount's size in ``currency``, None without a rate."""
    converted: list[int | None] = []
    keys: list[tuple[int, str, int, int]] = []
    for position, (amount, code) in enumerate(
        zip(frame["amount_minor"], frame["currency"], strict=True)
    ):
        if missing(amount) or missing(code):
            converted.append(None)
            keys.append((2, "", 0, position))
            continue
        own, size = str(code).strip(), abs(int(amount))
        value = in_currency(size, own, day, currency)
        converted.append(value)
        # Sizes in one currency compare by their minor units; across currencies only by value.
        keys.append((0, "", -value, position) if value is not None else (1, own, -size, position))
    ranked = frame.assign(converted_minor=pd.Series(converted, index=frame.index, dtype=object))
    return ranked.iloc[[key[3] for key in sorted(keys)]].reset_index(drop=True)
