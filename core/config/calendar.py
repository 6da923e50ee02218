"""The finance team's business calendar: accounting periods, close days and holidays."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from core.config.base import ConfigModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CalendarSettings(ConfigModel):
    """When each accounting period ends and how many business days its close may take."""

    period: Literal["month", "quarter"] = Field(
        "month", description="accounting period: calendar months or calendar quarters"
    )
    close_days: int = Field(
        5, ge=0, le=30, description="business days after the period ends that the close takes"
    )
    weekend: tuple[Weekday, ...] = Field(
        ("sat", "sun"), description="days that are never business days"
    )
    holidays: tuple[date, ...] = Field(
        (), description="dates that are not business days (YYYY-MM-DD)"
    )
