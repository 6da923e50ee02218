"""The evaluation clock: ``--now`` / ``SYNCWATCH_NOW`` freeze it so results are reproducible."""

from __future__ import annotations

from datetime import UTC, datetime

from syncwatch.errors import SyncwatchError


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
    """Now, either frozen at a given instant or the wall clock."""

    def __init__(self, frozen: datetime | None = None) -> None:
        self.frozen = frozen

    def now(self) -> datetime:
        """The current evaluation instant (UTC)."""
        return self.frozen if self.frozen is not None else datetime.now(UTC)
