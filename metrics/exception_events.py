"""The timeline of an exception item: what people did to it and when the compute closed or
reopened it, one ``exception_event`` row per change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

import psycopg

EventKind = Literal["acknowledged", "assigned", "unassigned", "note", "resolved", "reopened"]

COMPUTE_ACTOR: Final = "syncwatch"
"""The actor of the compute's own changes: an item it no longer finds, or finds again."""


@dataclass(frozen=True, slots=True)
class ItemEvent:
    """One entry of an item's timeline."""

    id: int
    item_id: int
    kind: EventKind
    actor: str
    at: datetime
    note: str | None
    assignee: str | None


def record_events(
    conn: psycopg.Connection[Any],
    item_ids: Sequence[int],
    kind: EventKind,
    *,
    actor: str,
    at: datetime,
    note: str | None = None,
    assignees: Sequence[str] | None = None,
) -> list[int]:
    """Append one event per item (``assignees`` gives each item's, for (un)assignments); return
    the new events' ids, ascending."""
    rows = conn.execute(
        "INSERT INTO exception_event (item_id, kind, actor, at, note, assignee) "
        "SELECT e.item_id, %(kind)s, %(actor)s, %(at)s, %(note)s, e.assignee "
        "FROM unnest(%(ids)s::bigint[], %(assignees)s::text[]) AS e (item_id, assignee) "
        "RETURNING id",
        {
            "kind": kind,
            "actor": actor,
            "at": at,
            "note": note,
            "ids": list(item_ids),
            "assignees": list(assignees) if assignees is not None else [None] * len(item_ids),
        },
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def timeline(conn: psycopg.Connection[Any], item_id: int) -> list[ItemEvent]:
    """Every event of one item, oldest first."""
    rows = conn.execute(
        "SELECT id, item_id, kind, actor, at, note, assignee FROM exception_event "
        "WHERE item_id = %s ORDER BY at, id",
        (item_id,),
    ).fetchall()
    return [ItemEvent(*row) for row in rows]


def event_words(kind: str, actor: str, assignee: str | None, note: str | None) -> str:
    """One event as a sentence: ``fiona assigned it to frank: "he knows the customer"``."""
    if kind == "assigned":
        text = f"{actor} assigned it to {assignee}"
    elif kind == "unassigned":
        text = f"{actor} took it off {assignee}"
    elif kind == "note":
        text = f"{actor} added a note"
    elif kind == "resolved" and actor == COMPUTE_ACTOR:
        text = f"{actor} resolved it: the problem is no longer found"
    elif kind == "reopened":
        text = f"{actor} reopened it: the problem was found again"
    else:
        text = f"{actor} {kind} it"
    return f"{text}: “{note}”" if note else text
