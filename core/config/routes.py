"""Alert routes: which alerts a route takes (by owner, severity or rule), where, and when quiet.

Routes are tried in order and the first whose ``match`` holds wins; a route without ``match``
takes every alert, so it belongs last (a route after it could never match and is refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field

from core.config.base import ConfigModel, TimeZoneName
from core.config.calendar import WEEKDAYS, Weekday
from core.config.flows import Owner

Severity = Literal["critical", "warning", "info"]


def _as_list(value: Any) -> Any:
    """Let a single value stand for a list of one: ``owner: finance``."""
    return [value] if isinstance(value, str | dict) else value


def _time_of_day(value: Any) -> Any:
    """``20:00`` as written; YAML 1.1 reads an unquoted ``20:00`` as the base-60 number 1200."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    if isinstance(value, str):
        try:
            parsed = time.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            return parsed
    if isinstance(value, time) and value.tzinfo is None:
        return value
    raise ValueError(f"must be a time of day such as 20:00 or 08:30 (got {value!r})")


TimeOfDay = Annotated[time, BeforeValidator(_time_of_day)]
Owners = Annotated[tuple[Owner, ...], BeforeValidator(_as_list)]
Severities = Annotated[tuple[Severity, ...], BeforeValidator(_as_list)]
RuleNames = Annotated[tuple[str, ...], BeforeValidator(_as_list)]


class QuietHours(ConfigModel):
    """A daily window in which a route's non-critical notifications wait for its end."""

    start: TimeOfDay = Field(description="local time the window starts, e.g. 20:00")
    end: TimeOfDay = Field(
        description="local time it ends, e.g. 08:00 (the next day when not after start; "
        "equal to start: the whole day)"
    )
    days: tuple[Weekday, ...] = Field(WEEKDAYS, description="days a window starts on")
    timezone: TimeZoneName | None = Field(None, description="default: the top-level timezone")

    def ends(self, at: datetime, zone: ZoneInfo) -> datetime | None:
        """When the window that ``at`` falls in ends (UTC), or None when ``at`` is outside it."""
        local_zone = ZoneInfo(self.timezone) if self.timezone else zone
        today = at.astimezone(local_zone).date()
        for day in (today - timedelta(days=1), today):
            if WEEKDAYS[day.weekday()] not in self.days:
                continue
            begins = datetime.combine(day, self.start, local_zone)
            last_day = day if self.end > self.start else day + timedelta(days=1)
            finishes = datetime.combine(last_day, self.end, local_zone)
            # Compared in UTC: aware datetimes sharing a zone compare by wall time, not instant.
            if begins.astimezone(UTC) <= at < finishes.astimezone(UTC):
                return finishes.astimezone(UTC)
        return None


QuietWindows = Annotated[tuple[QuietHours, ...], BeforeValidator(_as_list)]


class RouteMatch(ConfigModel):
    """Which alerts a route takes: every listed field must hold; an empty match takes all."""

    owner: Owners = Field((), description="owning teams, e.g. finance or [finance, revops]")
    severity: Severities = Field((), description="severities, e.g. [critical, warning]")
    rule: RuleNames = Field((), description="rule names, e.g. posting-failures")

    @property
    def everything(self) -> bool:
        """Whether the match takes every alert."""
        return not (self.owner or self.severity or self.rule)

    def matches(self, *, owner: str, severity: str, rule: str) -> bool:
        """Whether an alert of ``rule`` with this owner and severity takes this route."""
        return (
            (not self.owner or owner in self.owner)
            and (not self.severity or severity in self.severity)
            and (not self.rule or rule in self.rule)
        )


class Route(ConfigModel):
    """Where the alerts a route takes are sent, and when they keep quiet."""

    match: RouteMatch = Field(default_factory=RouteMatch)
    channel: str | None = Field(
        None, description="Slack channel; default: the rule's own route, else its team's channel"
    )
    quiet_hours: QuietWindows = Field(
        (),
        description="one window or a list; inside one, notifications other than critical ones "
        "are held and sent, as they then stand, when it ends",
    )
    direct_messages: bool = Field(
        True, description="also tell an assigned alert's assignee of its changes directly"
    )

    def quiet_until(self, at: datetime, zone: ZoneInfo) -> datetime | None:
        """When the quiet hours ``at`` falls in end, or None when the route is not quiet."""
        ends = [e for w in self.quiet_hours if (e := w.ends(at, zone)) is not None]
        return max(ends, default=None)


def reachable(routes: Sequence[Route]) -> Sequence[Route]:
    """``routes``, refused when one follows a route that takes every alert."""
    for index, route in enumerate(routes[:-1]):
        if route.match.everything:
            raise ValueError(
                f"routes[{index + 1}] can never match: routes[{index}] has no match and takes "
                "every alert (the first matching route wins, so put the catch-all last)"
            )
    return routes
