"""Time helpers for the world generator: delays, precision and NetSuite's ambiguous hour."""

from __future__ import annotations

import calendar
import math
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sandbox.profile import DelayDistribution

_Z95 = 1.6448536269514722
"""The standard normal's 95th percentile: a log-normal's p95 is exp(mu + 1.645 sigma)."""


def lognormal_params(distribution: DelayDistribution) -> tuple[float, float]:
    """(mu, sigma) of the log-normal, in seconds, with the distribution's median and p95."""
    median = distribution.median.total_seconds()
    p95 = max(distribution.p95.total_seconds(), median)
    return math.log(median), (math.log(p95) - math.log(median)) / _Z95


def whole_seconds(instant: datetime) -> datetime:
    """``instant`` truncated to the second."""
    return instant.replace(microsecond=0)


def millis(instant: datetime) -> datetime:
    """``instant`` truncated to the millisecond."""
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def after(instant: datetime, seconds: float) -> datetime:
    """``instant`` plus ``seconds``, rounded up to a whole second at least one second later."""
    return instant + timedelta(seconds=max(1, math.ceil(seconds)))


@lru_cache(maxsize=64)
def fall_back_window(year: int) -> tuple[datetime, datetime]:
    """Both passes of Los Angeles' repeated local hour in ``year``, as UTC [start, end)."""
    # US rule (since 2007): clocks go back at 02:00 PDT on the first Sunday of November, so
    # local 01:00-02:00 happens twice: 08:00-09:00 UTC (PDT) and 09:00-10:00 UTC (PST).
    first = date(year, 11, 1)
    sunday = first + timedelta(days=(calendar.SUNDAY - first.weekday()) % 7)
    start = datetime(sunday.year, sunday.month, sunday.day, 8, tzinfo=UTC)
    return start, start + timedelta(hours=2)


def netsuite_safe(instant: datetime, backwards: bool = False) -> datetime:
    """Move ``instant`` out of Los Angeles' repeated fall-back hour, where NetSuite's local
    rendering could not be read back unambiguously (forwards unless ``backwards``)."""
    start, end = fall_back_window(instant.year)
    if start <= instant < end:
        return start - timedelta(seconds=1) if backwards else end
    return instant


def add_months(instant: datetime, months: int) -> datetime:
    """``instant`` moved by whole calendar months, clamping the day as billing systems do."""
    month_index = instant.month - 1 + months
    year, month = instant.year + month_index // 12, month_index % 12 + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)


def billing_run(instant: datetime, now: datetime) -> datetime:
    """The first monthly billing run at or after ``instant``.

    Runs start at midnight UTC on the day after ``now`` and repeat on that day every month, so
    a live world's next run lies ahead of its first poll.
    """
    anchor = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    months = (instant.year - anchor.year) * 12 + instant.month - anchor.month - 1
    run = add_months(anchor, months)
    while run < instant:
        months += 1
        run = add_months(anchor, months)
    return run
