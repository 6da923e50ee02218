"""What changed in a week, per exception metric: new, fixed and still open, this week and last.

Read from each exception item's lifecycle (``first_seen`` and ``resolved_at``):

- *new*: first found during the week;
- *fixed*: resolved during the week (a compute no longer found it, or a person resolved it);
- *still open*: found before the week ended and not resolved by then.

An item found and fixed inside one week counts as new and as fixed, so a week's still open is
always the week before's still open plus its new minus its fixed. An item that comes back after
a fix is the same item: it keeps the week it was first found, and its earlier fix stops counting.

A metric is split by the label its items are told apart by (the system of an account-side
metric, the flow of a flow-wide one), so no row counts one record's money twice; an invoice's
age group moves as it ages and is no split. Money is the size of each item's amount (an amount
mismatch's signed difference counts by its size), per currency, with a total in the reporting
currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final, Literal

import psycopg

from alerts.messages import Money
from alerts.weekly_period import Week
from alerts.weekly_totals import ReportModel, Total, WeekRates
from core.sqlfiles import names
from metrics.exception_teams import INTEGRATION_ORDER, PROBLEM_ORDER

State = Literal["new", "fixed", "still_open"]
STATES: Final[tuple[State, ...]] = ("new", "fixed", "still_open")

# Money first (what finance closes on), then accounts (RevOps), then the flow-wide metrics;
# an exception metric missing here follows them in name order.
ORDER: Final = (*PROBLEM_ORDER, *INTEGRATION_ORDER)

# Per week, metric, identifying labels, state and currency: items and the size of their money.
# Only items alive during one of the two weeks are read: found before its end, not fixed before
# its start.
_CHANGES = """
WITH week (name, start_at, end_at) AS (
    VALUES ('this', %(start)s::timestamptz, %(end)s::timestamptz),
           ('last', %(prev)s::timestamptz, %(start)s::timestamptz)
), item AS (
    SELECT w.name AS week, i.metric, i.labels - 'age_bucket' AS labels,
           i.currency::text AS currency, abs(i.amount_minor) AS amount,
           i.first_seen >= w.start_at AS is_new,
           i.resolved_at < w.end_at AS is_fixed,
           i.resolved_at IS NULL OR i.resolved_at >= w.end_at AS is_open
    FROM exception_item i
    JOIN week w ON i.first_seen < w.end_at
               AND (i.resolved_at IS NULL OR i.resolved_at >= w.start_at)
)
SELECT week, metric, labels, state, currency, count(*), sum(amount)
FROM item, LATERAL (VALUES ('new', is_new), ('fixed', is_fixed), ('still_open', is_open))
     AS s (state, hit)
WHERE hit
GROUP BY week, metric, labels, state, currency
"""

LabelKey = tuple[tuple[str, str], ...]


class Figure(ReportModel):
    """A number of exception items and their money (``total`` None when they carry none)."""

    count: int
    amounts: list[Money]
    total: Total | None


class WeekChanges(ReportModel):
    """One week's new, fixed and still open items."""

    new: Figure
    fixed: Figure
    still_open: Figure


class MetricChange(ReportModel):
    """One metric's items (of one label, where it is split): this week's change and last's."""

    metric: str
    labels: dict[str, str]
    this_week: WeekChanges
    last_week: WeekChanges


class _Tally:
    """Counts and money per currency of one row, week and state, as the query returns them."""

    def __init__(self) -> None:
        self.count = 0
        self.money: dict[str, int] = defaultdict(int)

    def figure(self, rates: WeekRates) -> Figure:
        amounts = [Money(amount_minor=self.money[c], currency=c) for c in sorted(self.money)]
        return Figure(
            count=self.count, amounts=amounts, total=rates.total(amounts) if amounts else None
        )


def in_report_order(metrics: Iterable[str]) -> list[str]:
    """``metrics`` in the report's order (ORDER, then by name)."""
    place = {metric: index for index, metric in enumerate(ORDER)}
    return sorted(metrics, key=lambda m: (place.get(m, len(ORDER)), m))


def _metric_order(found: set[str]) -> list[str]:
    return in_report_order(set(names("exceptions")) | found)


def metric_changes(
    conn: psycopg.Connection[Any], this: Week, prev: Week, rates: WeekRates
) -> list[MetricChange]:
    """Every exception metric's new, fixed and still open items in ``this`` week and ``prev``."""
    rows = conn.execute(
        _CHANGES, {"start": this.start, "end": this.end, "prev": prev.start}
    ).fetchall()
    tallies: dict[tuple[str, LabelKey], dict[tuple[str, str], _Tally]] = defaultdict(
        lambda: defaultdict(_Tally)
    )
    for week, metric, labels, state, currency, count, amount in rows:
        tally = tallies[metric, tuple(sorted(labels.items()))][week, state]
        tally.count += count
        if currency is not None and amount is not None:
            tally.money[currency] += int(amount)

    def changes(found: dict[tuple[str, str], _Tally], week: str) -> WeekChanges:
        figures = {s: found.get((week, s), _Tally()).figure(rates) for s in STATES}
        return WeekChanges(**figures)

    return [
        MetricChange(
            metric=metric,
            labels=dict(key),
            this_week=changes(tallies.get((metric, key), {}), "this"),
            last_week=changes(tallies.get((metric, key), {}), "last"),
        )
        for metric in _metric_order({m for m, _ in tallies})
        for key in sorted(k for m, k in tallies if m == metric) or [()]
    ]
