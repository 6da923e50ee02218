"""The close calendar: which period is closing, its deadline in business days, in the zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from core.business_calendar import add_business_days, business_days_between, closing_period
from core.config.calendar import CalendarSettings

BERLIN = ZoneInfo("Europe/Berlin")
MONTHLY = CalendarSettings(close_days=5, holidays=(date(2026, 12, 25), date(2026, 12, 28)))


def test_early_in_the_month_the_previous_month_is_closing() -> None:
    # Thursday 3 Dec 2026: November's close runs to the 5th business day after 30 Nov (Mon 7 Dec).
    period = closing_period(datetime(2026, 12, 3, 9, tzinfo=UTC), BERLIN, MONTHLY)
    assert (period.name, period.first_day, period.last_day) == (
        "November 2026",
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert period.deadline == date(2026, 12, 7)
    assert period.business_days_left == 2  # Friday 4 and Monday 7
    assert period.closing
    assert period.start == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 30, 23, tzinfo=UTC)


def test_after_the_deadline_the_current_month_is_next_to_close() -> None:
    period = closing_period(datetime(2026, 12, 8, 9, tzinfo=UTC), BERLIN, MONTHLY)
    assert period.name == "December 2026" and not period.closing
    # Holidays on 25 and 28 Dec and the weekend push December's deadline into January.
    assert period.deadline == date(2027, 1, 7)


def test_the_time_zone_decides_the_day() -> None:
    # 23:30 UTC on 30 Nov is already 1 Dec in Berlin, but still 30 Nov in UTC.
    at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert closing_period(at, BERLIN, MONTHLY).closing
    assert not closing_period(at, ZoneInfo("UTC"), MONTHLY).closing


def test_quarters_and_their_names() -> None:
    quarterly = CalendarSettings(period="quarter", close_days=10)
    period = closing_period(datetime(2027, 1, 6, tzinfo=UTC), BERLIN, quarterly)
    assert (period.name, period.first_day, period.last_day) == (
        "Q4 2026",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )


def test_business_days_skip_weekends_and_holidays() -> None:
    assert add_business_days(date(2026, 12, 24), 1, MONTHLY) == date(2026, 12, 29)
    assert add_business_days(date(2026, 12, 24), 0, MONTHLY) == date(2026, 12, 24)
    assert business_days_between(date(2026, 12, 24), date(2026, 12, 29), MONTHLY) == 1
    assert business_days_between(date(2026, 12, 29), date(2026, 12, 24), MONTHLY) == -1
    overdue = closing_period(
        datetime(2026, 12, 3, tzinfo=UTC), BERLIN, CalendarSettings(close_days=0)
    )
    assert overdue.name == "December 2026" and overdue.business_days_left > 0


def test_a_bad_calendar_names_the_field() -> None:
    with pytest.raises(ValidationError, match="weekend"):
        CalendarSettings.model_validate({"weekend": ["saturday"]})
    with pytest.raises(ValidationError, match="holidays"):
        CalendarSettings.model_validate({"holidays": ["25/12/2026"]})
