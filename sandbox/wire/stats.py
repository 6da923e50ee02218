"""Per-endpoint request counts a simulator keeps on ``app.state.stats`` for tests to assert on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sandbox.wire.transport import FaultCounters


@dataclass
class SimulatorStats:
    """Requests seen per endpoint name, and the transport faults injected."""

    requests: Counter[str] = field(default_factory=Counter)
    faults: FaultCounters = field(default_factory=FaultCounters)

    def count(self, endpoint: str) -> None:
        """Record one request to ``endpoint``."""
        self.requests[endpoint] += 1
