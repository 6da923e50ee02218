"""Money of several currencies as one total in the reporting currency, for any page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from app.queries.core import Query, load
from core.fx.convert import FxTotal, total_at
from core.fx.rates import RateDay
from core.fx.store import RATES_AS_OF, rate_day
from core.roles import Identity, Topic


def rates_query(topic: Topic) -> Query:
    """The ECB rates read, under the role of the page that shows the total."""
    return Query(f"{topic}.fx_rates", topic, RATES_AS_OF)


def total(
    identity: Identity | None,
    query: Query,
    amounts: Iterable[tuple[int, str]],
    currency: str,
    as_of: date,
) -> FxTotal:
    """``(amount_minor, currency)`` pairs as one total in ``currency`` at the latest ECB rates
    on or before ``as_of``, leaving out (and naming) any currency without a rate."""
    pairs = [(int(a), str(c).strip()) for a, c in amounts]
    return total_at(rates_on(identity, query, as_of), pairs, currency, as_of)


def rates_on(identity: Identity | None, query: Query, as_of: date) -> RateDay | None:
    """The ECB rates of the latest rate date on or before ``as_of`` (None before any)."""
    rates = load(identity, query, {"as_of": as_of})
    return rate_day([(r.rate_date, r.currency, r.per_eur) for r in rates.itertuples()])
