"""Records that vanish: deletions a source reports, and stored ids a source no longer lists.

A deletion keeps the record's last collected state and sets ``is_deleted``, which every metric
honours; nothing is removed. Only a later read of the record (a Salesforce undelete) clears it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg


@dataclass(frozen=True, slots=True)
class Deletion:
    """A record the source reports deleted (its deletion log, a Get Deleted answer)."""

    system: str
    object_type: str
    external_id: str


@dataclass(frozen=True, slots=True)
class PresentKeys:
    """Every id of one object type the source lists now: stored ids missing from it are gone."""

    system: str
    object_type: str
    ids: frozenset[str]


def mark_deleted(
    conn: psycopg.Connection[Any], deletions: Sequence[Deletion], *, at: datetime
) -> int:
    """Flag the stored records of ``deletions`` deleted; return how many changed."""
    if not deletions:
        return 0
    cursor = conn.execute(
        "UPDATE source_record AS t SET is_deleted = true, last_changed_at = %s "
        "FROM unnest(%s::text[], %s::text[], %s::text[]) AS d(system, object_type, external_id) "
        "WHERE (t.system, t.object_type, t.external_id) = (d.system, d.object_type, d.external_id)"
        " AND NOT t.is_deleted",
        (
            at,
            [d.system for d in deletions],
            [d.object_type for d in deletions],
            [d.external_id for d in deletions],
        ),
    )
    return cursor.rowcount


def mark_missing(conn: psycopg.Connection[Any], present: PresentKeys, *, at: datetime) -> int:
    """Flag deleted every stored, live record of the type whose id the source no longer lists."""
    cursor = conn.execute(
        "UPDATE source_record SET is_deleted = true, last_changed_at = %s "
        "WHERE system = %s AND object_type = %s AND NOT is_deleted "
        "AND NOT (external_id = ANY(%s::text[]))",
        (at, present.system, present.object_type, sorted(present.ids)),
    )
    return cursor.rowcount
