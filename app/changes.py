"""The change since last week as a tile says it: ``up $12.4K vs last week``, in red when it got
worse and green when it got better."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from core.display import count, money

LAST_WEEK = "vs last week"


@dataclass(frozen=True, slots=True)
class Change:
    """A tile's delta: the words, the arrow and the colour."""

    text: str
    arrow: Literal["up", "down", "off"]
    colour: Literal["red", "green", "gray"]


def change(
    now: float, before: float, words: Callable[[float], str], *, up_is_good: bool = False
) -> Change:
    """``now`` against ``before``, the size of the difference said by ``words``."""
    difference = now - before
    if round(difference, 6) == 0:
        return Change(f"no change {LAST_WEEK}", "off", "gray")
    up = difference > 0
    good = up == up_is_good
    return Change(
        f"{'up' if up else 'down'} {words(abs(difference))} {LAST_WEEK}",
        "up" if up else "down",
        "green" if good else "red",
    )


def money_change(now: int, before: int, currency: str) -> Change:
    """More money at risk is worse: ``up $12.4K vs last week`` in red."""
    return change(now, before, lambda d: money(d, currency, compact=True))


def count_change(now: int, before: int) -> Change:
    """More problems is worse: ``up 5 vs last week`` in red."""
    return change(now, before, count)


def points_change(now: float, before: float) -> Change:
    """A higher share is better: ``up 1.2 pts vs last week`` in green."""
    return change(now, before, lambda d: f"{d * 100:.1f} pts", up_is_good=True)
