"""The evaluation clock: ``--now`` / ``SYNCWATCH_NOW`` freeze it so results are reproducible."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from core.errors import SyncwatchError


class ClockError(SyncwatchError):
    """An unreadable ``--now`` value."""

    exit_code = 2


def parse_instant(value: str, *, option: str = "--now") -> datetime:
    """Parse an ISO 8601 instant; a value without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise ClockError(
            f"{option}: {value!r} is not an ISO 8601 time (e.g. 2026-11-23T08:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


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
        if speed < 0:
            raise ClockError(f"--speed: must not be negative (got {speed})")
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
