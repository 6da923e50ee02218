"""Durations written as ``90s``, ``5m``, ``24h``, ``7d`` or a plain number of seconds."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Ten years: longer than any interval, window or silence syncwatch needs, and short enough that
# an instant in core.clock's range plus or minus it stays a valid date.
MAX_DURATION = timedelta(days=3650)
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")


def parse_duration(value: Any) -> timedelta:
    """Parse a duration up to MAX_DURATION; raise ValueError with a message fit to show a user."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise ValueError("must be a duration such as 90s, 5m, 24h or 7d")
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _PATTERN.match(value)):
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise ValueError(f"must be a duration such as 90s, 5m, 24h or 7d (got {value!r})")
    if not seconds >= 0:
        raise ValueError(f"must be a positive duration (got {value!r})")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(
            f"must be at most {format_duration(MAX_DURATION)} (ten years) (got {value!r})"
        )
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """Render a duration in the largest unit that divides it exactly."""
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _positive(value: Any) -> timedelta:
    parsed = parse_duration(value)
    if parsed.total_seconds() <= 0:
        raise ValueError(f"must be a positive duration (got {value!r})")
    return parsed


Duration = Annotated[
    timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)
]
"""A non-negative duration."""

PositiveDuration = Annotated[
    timedelta, BeforeValidator(_positive), PlainSerializer(format_duration, return_type=str)
]
"""A duration greater than zero."""
