"""Transport faults shared by every simulator: rate-limit refusals, server errors, slow answers.

Each simulator passes the responses its own API gives for a refusal and a server error, so a
Stripe 429 looks like Stripe's and a NetSuite 429 like NetSuite's. Decisions come from a seeded
generator, so a run with the same seed and request order meets the same faults.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response

from sandbox.profile import TransportFaults


@dataclass
class FaultCounters:
    """How many faults a simulator injected (tests read these)."""

    requests: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    slow: int = 0


@dataclass
class TransportFaultInjector:
    """Decides, request by request, whether to refuse, fail or delay the answer."""

    seed: int
    system: str
    faults: TransportFaults
    rate_limited_response: Callable[[], Response]
    server_error_response: Callable[[], Response]
    counters: FaultCounters = field(default_factory=FaultCounters)
    _burst_left: int = 0
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"{self.seed}:{self.system}:transport")

    async def intercept(self) -> Response | None:
        """Return a fault response for this request, or None to answer normally."""
        self.counters.requests += 1
        f = self.faults
        if self._burst_left > 0:
            self._burst_left -= 1
            self.counters.rate_limited += 1
            return self.rate_limited_response()
        if f.rate_limited and self._rng.random() < f.rate_limited:
            self._burst_left = f.rate_limit_burst - 1
            self.counters.rate_limited += 1
            return self.rate_limited_response()
        if f.server_errors and self._rng.random() < f.server_errors:
            self.counters.server_errors += 1
            return self.server_error_response()
        if f.slow and self._rng.random() < f.slow:
            self.counters.slow += 1
            await asyncio.sleep(f.slow_delay.total_seconds())
        return None
