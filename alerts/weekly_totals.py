"""Money in the weekly report: per currency, and one total in the reporting currency.

Every total of one report is converted at the ECB rates of the report week's last rate date
(the latest on or before its Sunday), last week's figures included, so a change between the
two weeks is a change in the records, not in the exchange rates. A currency without a rate
that day is left out of a total and named; a total with nothing to convert is missing, never
zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from pydantic import BaseModel, ConfigDict

from alerts.messages import Money
from alerts.weekly_period import Week
from core.config import Settings
from core.fx.convert import convert_at, total_at
from core.fx.rates import RateDay
from core.fx.store import rates_as_of


class ReportModel(BaseModel):
    """A part of the stored weekly report: immutable, and strict about its keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Total(ReportModel):
    """Money of several currencies as one total in the reporting currency at a day's ECB rates.

    ``amount_minor`` covers every currency but those in ``left_out`` (which have no rate that
    day); it is None when none converts, and ``rate_date`` is None when no rates were loaded
    for any day up to ``as_of``.
    """

    currency: str
    as_of: date
    amount_minor: int | None
    rate_date: date | None
    left_out: list[str]


@dataclass(frozen=True, slots=True)
class WeekRates:
    """The reporting currency and the one day's rates every total of a report uses."""

    currency: str
    as_of: date
    day: RateDay | None

    def total(self, amounts: Sequence[Money]) -> Total:
        """``amounts`` as one total in the reporting currency."""
        found = total_at(
            self.day, [(m.amount_minor, m.currency) for m in amounts], self.currency, self.as_of
        )
        return Total(
            currency=found.currency, as_of=found.as_of, amount_minor=found.amount_minor,
            rate_date=found.rate_date, left_out=list(found.left_out),
        )  # fmt: skip

    def convert(self, amount: Money) -> Money | None:
        """One amount in the reporting currency; None without a rate for its currency."""
        found = convert_at(self.day, amount.amount_minor, amount.currency, self.currency)
        return (
            None
            if found is None
            else Money(amount_minor=found.amount_minor, currency=found.currency)
        )


def week_rates(conn: psycopg.Connection[Any], settings: Settings, week: Week) -> WeekRates:
    """The rates of ``week``'s last rate date, for totals in the reporting currency."""
    as_of = week.last_day(settings.zone)
    return WeekRates(settings.reporting_currency.upper(), as_of, rates_as_of(conn, as_of))
