"""The ECB reference-rate CSV files.

``eurofxref.csv`` (the latest day) has a ``Date, USD, JPY, …`` header and a row dated like
``03 December 2026``; ``eurofxref-hist.csv`` has a ``Date,USD,JPY,…`` header and a row per day
with ISO dates and ``N/A`` where a currency was not quoted. Both may end each line with a comma.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from core.fx.rates import FxError, RateTable, add_rate, read_currency, read_rate

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"),
        start=1,
    )
}  # fmt: skip
_MISSING = {"", "N/A"}


def _day(text: str, where: str) -> date:
    """``2026-12-03`` or ``03 December 2026``."""
    value = text.strip()
    try:
        if "-" in value:
            return date.fromisoformat(value)
        day, month, year = value.split()
        return date(int(year), _MONTHS[month.lower()], int(day))
    except (ValueError, KeyError):
        raise FxError(
            where, f"date {text!r} is neither like 2026-12-03 nor like 03 December 2026"
        ) from None


def _cells(row: list[str]) -> list[str]:
    """The row's cells without the empty one a trailing comma leaves."""
    return row[:-1] if row and not row[-1].strip() else row


def parse_ecb_csv(text: str, origin: str) -> RateTable:
    """The rates in ``text``, an ECB reference-rate CSV file read from ``origin``."""
    reader = csv.reader(io.StringIO(text))
    currencies: list[str] | None = None
    table: RateTable = {}
    for row in reader:
        where = f"{origin}:{reader.line_num}"
        cells = _cells(row)
        if not any(cell.strip() for cell in cells):
            continue
        if currencies is None:
            if cells[0].strip() != "Date":
                raise FxError(where, "the header must start with Date (Date, USD, JPY, …)")
            currencies = [read_currency(cell, where) for cell in cells[1:]]
            if len(set(currencies)) != len(currencies):
                raise FxError(where, "the header names a currency twice")
            continue
        if len(cells) != len(currencies) + 1:
            raise FxError(where, f"{len(cells)} columns where the header has {len(currencies) + 1}")
        day = _day(cells[0], where)
        if day in table:
            raise FxError(where, f"{day.isoformat()} is given twice")
        table[day] = {}
        for currency, cell in zip(currencies, cells[1:], strict=True):
            if cell.strip() not in _MISSING:
                rate = read_rate(cell, f"{where}: {currency}")
                add_rate(table, day, currency, rate, where)
    if currencies is None:
        raise FxError(origin, "empty file: no Date, USD, JPY, … header")
    if not table:
        raise FxError(origin, "the header is followed by no dated row")
    return {day: rates for day, rates in table.items() if rates}
