"""Close readiness in the finance team's calendar: which period is closing and how long is left.

Periods are calendar months or quarters in the reporting time zone. A period's close runs from
its last day until ``close_days`` business days after it (weekends and holidays do not count).
While that close is running, the period being closed is the one that just ended; otherwise it
is the current one, whose close starts at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.config.calendar import WEEKDAYS, CalendarSettings


@dataclass(frozen=True, slots=True)
class ClosePeriod:
    """One accounting period and its close, as dates and as UTC instants.

    ``business_days_left`` counts business days after today up to the deadline (0 on the
    deadline itself); ``closing`` says whether the period has ended and its close is running.
    """

    first_day: date
    last_day: date
    deadline: date
    start: datetime
    end: datetime
    business_days_left: int
    closing: bool

    @property
    def name(self) -> str:
        """The period in people's words: ``November 2026`` or ``Q4 2026``."""
        if self.first_day.month == self.last_day.month:
            return self.first_day.strftime("%B %Y")
        return f"Q{(self.first_day.month - 1) // 3 + 1} {self.first_day.year}"


def is_business_day(day: date, calendar: CalendarSettings) -> bool:
    """Whether ``day`` is a business day: not a weekend day, not a holiday."""
    return WEEKDAYS[day.weekday()] not in calendar.weekend and day not in calendar.holidays


def add_business_days(day: date, count: int, calendar: CalendarSettings) -> date:
    """The ``count``-th business day after ``day`` (``day`` itself when ``count`` is 0)."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if is_business_day(current, calendar):
            count -= 1
    return current


def business_days_between(first: date, last: date, calendar: CalendarSettings) -> int:
    """Business days after ``first`` up to and including ``last`` (negative when ``last`` is
    before ``first``)."""
    if last < first:
        return -business_days_between(last, first, calendar)
    return sum(
        is_business_day(first + timedelta(days=n), calendar)
        for n in range(1, (last - first).days + 1)
    )


def _period_of(day: date, calendar: CalendarSettings) -> tuple[date, date]:
    months = 3 if calendar.period == "quarter" else 1
    first_month = (day.month - 1) // months * months + 1
    first = date(day.year, first_month, 1)
    following = first_month + months
    after = date(day.year + (following > 12), (following - 1) % 12 + 1, 1)
    return first, after - timedelta(days=1)


def closing_period(now: datetime, zone: ZoneInfo, calendar: CalendarSettings) -> ClosePeriod:
    """The period being closed at ``now``: the one that ended while its close still runs,
    else the current one."""
    today = now.astimezone(zone).date()
    first, last = _period_of(today, calendar)
    previous_first, previous_last = _period_of(first - timedelta(days=1), calendar)
    previous_deadline = add_business_days(previous_last, calendar.close_days, calendar)
    if today <= previous_deadline:
        first, last = previous_first, previous_last
    deadline = add_business_days(last, calendar.close_days, calendar)

    def instant(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(ZoneInfo("UTC"))

    return ClosePeriod(
        first_day=first,
        last_day=last,
        deadline=deadline,
        start=instant(first),
        end=instant(last + timedelta(days=1)),
        business_days_left=business_days_between(today, deadline, calendar),
        closing=today > last,
    )
