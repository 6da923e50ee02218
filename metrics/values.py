"""One metric value with its labels: what a compute stores and what alerts and exports read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One metric value with its labels."""

    name: str
    labels: dict[str, str]
    value: float
    unit: str
