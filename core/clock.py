"""The evaluation clock: ``--now`` / ``SYNCWATCH_NOW`` freeze it so results are reproducible."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from core.errors import SyncwatchError


class ClockError(SyncwatchError):
    """An unreadable or out-of-range ``--now`` or ``--speed`` value."""

    exit_code = 2


# Bounds that keep every instant plus or minus the longest duration (ten years, see
# core.durations) inside what ``datetime`` can hold, with room for a fast clock to run.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
MAX_SPEED = 10_000.0


def parse_instant(value: str, *, option: str = "--now") -> datetime:
    """Parse an ISO 8601 instant from EARLIEST to LATEST; one without an offset is UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise ClockError(
            f"{option}: {value!r} is not an ISO 8601 time (e.g. 2026-11-23T08:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not EARLIEST <= parsed <= LATEST:
        raise ClockError(
            f"{option}: {value!r} is out of range "
            f"(use a time from {format_instant(EARLIEST)} to {format_instant(LATEST)})"
        )
    return parsed.astimezone(UTC)


def check_speed(speed: float, *, option: str = "--speed") -> float:
    """Refuse a clock speed outside 0 (time frozen) to MAX_SPEED, naming ``option``."""
    if not 0 <= speed <= MAX_SPEED:
        raise ClockError(f"{option}: {speed:g} is out of range (use 0 to {MAX_SPEED:,.0f})")
    return speed


def parse_speed(value: str, *, option: str) -> float:
    """Read a clock speed written as text (an environment variable), naming ``option``."""
    try:
        speed = float(value)
    except ValueError:
        raise ClockError(f"{option}: {value!r} is not a number (e.g. 60)") from None
    return check_speed(speed, option=option)


def format_instant(value: datetime) -> str:
    """Render an instant as ISO 8601 UTC with a ``Z`` suffix."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


class Clock:
    """Now: the wall clock, an instant frozen by ``--now``, or simulated time.

    Simulated time starts at ``start`` when the wall clock read ``anchor`` (epoch seconds) and
    runs ``speed`` times faster. Processes given the same start, anchor and speed agree on now,
    which is how the demo's sandbox and scheduler share one accelerated day.
    """

    def __init__(
        self, start: datetime | None = None, *, speed: float = 0.0, anchor: float | None = None
    ) -> None:
        check_speed(speed)
        if speed and start is None:
            raise ClockError("--speed needs --now (the simulated start)")
        self.start = start
        self.speed = speed
        self.anchor = time.time() if anchor is None else anchor

    @property
    def frozen(self) -> datetime | None:
        """The fixed instant, when time does not move."""
        return self.start if not self.speed else None

    def now(self) -> datetime:
        """The current evaluation instant (UTC)."""
        if self.start is None:
            return datetime.now(UTC)
        if not self.speed:
            return self.start
        elapsed = (time.time() - self.anchor) * self.speed
        return self.start + timedelta(seconds=elapsed)
