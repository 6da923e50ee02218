"""Durations in words for messages and reports: ``45s``, ``12m``, ``2h 5m``, ``3d 4h``."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """A compact duration: ``45s``, ``12m``, ``2h 5m``, ``3d 4h``."""
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    minutes, _ = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
