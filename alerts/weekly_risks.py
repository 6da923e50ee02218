"""The largest new risks of a week: records first found at fault during it and still open at its
end, largest money first, with their names, owner and how long they have been a problem.

A record listed by several metrics is one risk (its largest amount, every metric named). The
ranking compares amounts in the reporting currency at the week's rates. A record in a currency
without a rate that day cannot be compared with the others: it follows those that could be,
ranked by its place among the records of its own currency (each currency's largest first), so
no currency's largest risks are hidden behind another's for want of a rate.
Items of records not yet due (the sync backlog inside its SLA) and of synced records whose
timestamps disagree (clock skew) are no risk of their own and are left out.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import psycopg
from psycopg.rows import dict_row

from alerts.messages import Money
from alerts.weekly_period import Week
from alerts.weekly_totals import ReportModel, WeekRates
from core.money import from_minor
from core.store.record_names import names_join

TOP_NEW_RISKS: Final = 5
NOT_RISKS: Final = ("sync_backlog", "clock_skew_items")

# The largest few per currency: whatever the rates, the overall largest are among them.
_CANDIDATES = f"""
WITH new_open AS (
    SELECT system, object_type, external_id, currency::text AS currency,
           max(abs(amount_minor)) AS amount,
           array_agg(DISTINCT metric ORDER BY metric) AS metrics,
           min(first_seen) AS found_at,
           min(COALESCE(since, first_seen)) AS since,
           min(owner) AS owner,
           min(assignee) AS assignee
    FROM exception_item
    WHERE first_seen >= %(start)s AND first_seen < %(end)s
      AND (resolved_at IS NULL OR resolved_at >= %(end)s)
      AND amount_minor IS NOT NULL AND currency IS NOT NULL
      AND metric <> ALL (%(not_risks)s::text[])
    GROUP BY system, object_type, external_id, currency
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY currency ORDER BY amount DESC, external_id)
              AS place
    FROM new_open
)
SELECT r.system, r.object_type, r.external_id, names.record_name AS name,
       names.customer_name AS customer, r.metrics, r.amount AS amount_minor, r.currency,
       r.found_at, r.since, r.owner, r.assignee, r.place
FROM ranked r
{names_join("r.system", "r.object_type", "r.external_id")}
WHERE r.place <= %(top)s
"""


class NewRisk(ReportModel):
    """A record first found at fault this week and still open at its end."""

    system: str
    object_type: str
    external_id: str
    name: str | None
    """The record's own name: an invoice's number, an account's or customer's name."""
    customer: str | None
    """The customer or account the record belongs to (the record itself for an account)."""
    metrics: list[str]
    amount: Money
    converted: Money | None
    """``amount`` in the reporting currency at the week's rates; None without a rate."""
    found_at: datetime
    since: datetime
    """When the problem began (an invoice's due posting, an amendment's approval…)."""
    owner: str | None
    assignee: str | None


def _rank(risk: NewRisk, place: int) -> tuple[bool, int, int, Decimal, str]:
    """Converted amounts first, largest first; then by place within the currency."""
    if risk.converted is not None:
        return False, -risk.converted.amount_minor, 0, Decimal(0), risk.external_id
    own = from_minor(risk.amount.amount_minor, risk.amount.currency)
    return True, 0, place, -own, risk.external_id


def new_risks(conn: psycopg.Connection[Any], week: Week, rates: WeekRates) -> list[NewRisk]:
    """The ``TOP_NEW_RISKS`` largest records first found at fault in ``week``, still open."""
    params = {"start": week.start, "end": week.end, "not_risks": list(NOT_RISKS),
              "top": TOP_NEW_RISKS}  # fmt: skip
    rows = conn.cursor(row_factory=dict_row).execute(_CANDIDATES, params).fetchall()
    ranked = []
    for row in rows:
        place = row.pop("place")
        amount = Money(amount_minor=row.pop("amount_minor"), currency=row.pop("currency"))
        risk = NewRisk(**row, amount=amount, converted=rates.convert(amount))
        ranked.append((_rank(risk, place), risk))
    return [risk for _, risk in sorted(ranked, key=lambda pair: pair[0])[:TOP_NEW_RISKS]]
