"""The stored reference rates: an idempotent upsert, and the rates of a day as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import psycopg
from psycopg import sql

from core.fx.rates import RateDay, RateTable
from core.store.staging import stage_rows

RATES_AS_OF: Final = """
SELECT rate_date, currency, per_eur FROM fx_rate
WHERE rate_date = (SELECT max(rate_date) FROM fx_rate WHERE rate_date <= %(as_of)s)
"""
"""Every rate of the latest rate date on or before ``as_of``."""

_STAGING = sql.Identifier("fx_rate_load")
_CREATE = sql.SQL(
    "CREATE TEMP TABLE IF NOT EXISTS {} "
    "(rate_date date, currency text, per_eur numeric) ON COMMIT DELETE ROWS"
).format(_STAGING)
_COPY = sql.SQL("COPY {} (rate_date, currency, per_eur) FROM STDIN (FORMAT BINARY)").format(
    _STAGING
)
_MERGE = """
INSERT INTO fx_rate AS f (rate_date, currency, per_eur, source, loaded_at)
SELECT rate_date, currency, per_eur, %(source)s, %(at)s FROM fx_rate_load
ON CONFLICT (rate_date, currency) DO UPDATE
SET per_eur = EXCLUDED.per_eur, source = EXCLUDED.source, loaded_at = EXCLUDED.loaded_at
WHERE f.per_eur <> EXCLUDED.per_eur
"""


@dataclass(frozen=True, slots=True)
class StoredRates:
    """What one load put in the store."""

    dates: int
    currencies: int
    newest: date
    written: int
    """Rows new or changed by this load (0 when the same rates were loaded before)."""


def store_rates(
    conn: psycopg.Connection[Any], table: RateTable, source: str, loaded_at: datetime
) -> StoredRates:
    """Upsert ``table`` (a non-empty rate table) as loaded from ``source`` at ``loaded_at``.

    Run inside a transaction: the rows are staged, then merged in one statement, so a rate
    already stored with the same value is left as it was.
    """
    rows = [
        (day, currency, rate)
        for day, rates in sorted(table.items())
        for currency, rate in sorted(rates.items())
    ]
    stage_rows(conn, create=_CREATE, copy=_COPY, types=["date", "text", "numeric"], rows=rows)
    written = conn.execute(_MERGE, {"source": source, "at": loaded_at}).rowcount
    return StoredRates(
        dates=len(table),
        currencies=len({currency for _, currency, _ in rows}),
        newest=max(table),
        written=written,
    )


def rates_as_of(conn: psycopg.Connection[Any], as_of: date) -> RateDay | None:
    """The rates of the latest rate date on or before ``as_of``; None when there is none."""
    return rate_day(conn.execute(RATES_AS_OF, {"as_of": as_of}).fetchall())


def rate_day(rows: list[tuple[date, str, Any]]) -> RateDay | None:
    """``(rate_date, currency, per_eur)`` rows of one day (RATES_AS_OF's) as a RateDay."""
    if not rows:
        return None
    return RateDay(rows[0][0], {currency.strip(): rate for _, currency, rate in rows})
