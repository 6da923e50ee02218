"""Simulated time: frozen at one instant, or running ``speed`` times faster than the wall clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SimulatedClock:
    """The sandbox's notion of now."""

    def __init__(self, start: datetime, speed: float = 0.0) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs a timezone-aware start")
        self.start = start.astimezone(UTC)
        self.speed = speed
        self._wall_start = time.monotonic()

    def now(self) -> datetime:
        """The current simulated instant (microseconds dropped, as every API renders less)."""
        elapsed = (time.monotonic() - self._wall_start) * self.speed
        return (self.start + timedelta(seconds=elapsed)).replace(microsecond=0)
