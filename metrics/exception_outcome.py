"""What an action on exception items did, and the sentence that tells the person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from core.display import money_list
from metrics.exception_selection import SelectedItem

Action = Literal["acknowledge", "assign", "unassign", "note", "resolve"]

ACTIONS: Final[tuple[Action, ...]] = ("acknowledge", "assign", "unassign", "note", "resolve")


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """The items an action changed and the ones it left alone (already so)."""

    action: Action
    actor: str
    at: datetime
    changed: tuple[SelectedItem, ...]
    unchanged: tuple[SelectedItem, ...]
    event_ids: tuple[int, ...]
    assignee: str | None = None
    note: str | None = None

    @property
    def money(self) -> dict[str, int]:
        """The changed items' money per currency (see ``money_of``)."""
        return money_of(self.changed)

    @property
    def message(self) -> str:
        """What happened, in a sentence: ``Item #12 acknowledged.``, ``3 items resolved
        (worth $1,200.00); 1 was already resolved.``"""
        done, already = self._words()
        items = (*self.changed, *self.unchanged)
        if not items:
            return "No open item matches: nothing changed."
        if len(items) == 1:
            only = items[0].id
            if self.changed:
                return f"Note added to item #{only}." if self.action == "note" else (
                    f"Item #{only} {done}."
                )  # fmt: skip
            return f"Item #{only} is {already}: nothing changed."
        count = len(self.changed)
        head = (
            f"Note added to {_items(count)}" if self.action == "note" else f"{_items(count)} {done}"
        )
        worth = f" (worth {money_list(self.money)})" if self.money else ""
        rest = len(self.unchanged)
        tail = f"; {rest} {'was' if rest == 1 else 'were'} {already}" if rest else ""
        return f"{head[:1].upper()}{head[1:]}{worth}{tail}."

    def _words(self) -> tuple[str, str]:
        """What the action did, and how an item it left alone already was."""
        whom = self.assignee or ""
        if self.action == "acknowledge":
            return "acknowledged", "already acknowledged"
        if self.action == "assign":
            return f"assigned to {whom}", f"already assigned to {whom}"
        if self.action == "unassign":
            return "no longer assigned", "not assigned to anyone"
        if self.action == "resolve":
            return "resolved", "already resolved"
        return "given the note", ""


def money_of(items: Iterable[SelectedItem]) -> dict[str, int]:
    """The items' money per currency, by size (a mismatch's difference may be negative)."""
    totals: dict[str, int] = {}
    for item in items:
        if item.amount_minor is not None and item.currency:
            code = item.currency.strip()
            totals[code] = totals.get(code, 0) + abs(item.amount_minor)
    return totals


def _items(count: int) -> str:
    return f"{count:,} item{'s' * (count != 1)}"
