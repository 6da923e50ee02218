"""The weeks a weekly report covers: ISO weeks in the configured time zone, as UTC instants.

A week runs from Monday 00:00 to the next Monday 00:00 in the zone, so its length in UTC is
not always seven days (a daylight-saving change inside it adds or removes an hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import SyncwatchError


class WeekError(SyncwatchError):
    """An unreadable ISO week."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week in a time zone, as UTC instants."""

    label: str
    start: datetime
    end: datetime

    def previous(self, zone: ZoneInfo) -> Week:
        """The week before this one."""
        return week_of(self.start.astimezone(zone).date() - timedelta(days=7), zone)

    def last_day(self, zone: ZoneInfo) -> date:
        """The week's Sunday in ``zone``: the day its money is converted as of."""
        return (self.end - timedelta(microseconds=1)).astimezone(zone).date()


def week_of(day: date, zone: ZoneInfo) -> Week:
    """The ISO week containing ``day`` in ``zone``."""
    year, number, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return Week(f"{year}-W{number:02d}", start.astimezone(UTC), end.astimezone(UTC))


def parse_week(label: str, zone: ZoneInfo) -> Week:
    """``2026-W47`` as a Week in ``zone``."""
    try:
        year, number = label.strip().upper().split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise WeekError(f"week {label!r} is not an ISO week such as 2026-W47") from None
    return week_of(monday, zone)


def last_complete_week(now: datetime, zone: ZoneInfo) -> Week:
    """The latest ISO week that ended at or before ``now`` in ``zone``."""
    return week_of(now.astimezone(zone).date() - timedelta(days=7), zone)
