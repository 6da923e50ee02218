"""Where the euro reference rates come from and when they are loaded again."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, field_validator

from core.config.base import ConfigModel, TimeZoneName


class FxSettings(ConfigModel):
    """The ECB reference rates: a file or URL in either ECB format, loaded on a cron."""

    source: str | None = Field(
        None,
        description="file path or http(s) URL of ECB reference rates (XML or CSV); none: no job",
    )
    schedule: str = Field(
        "30 16 * * *", description="crontab in schedule_timezone; the ECB publishes about 16:00"
    )
    schedule_timezone: TimeZoneName = "Europe/Berlin"

    @field_validator("source")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must be a file path or an http(s) URL (or left out)")
        return value

    @field_validator("schedule")
    @classmethod
    def _crontab(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(
                f"must be a crontab such as '30 16 * * *' ({exc}) (got {value!r})"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the schedule is read in."""
        return ZoneInfo(self.schedule_timezone)
