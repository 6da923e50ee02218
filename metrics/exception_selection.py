"""Which exception items an action covers: one item by number, or every open item matching
filters (metric, flow, system, owning team, assignee, age), within the metrics a person may
work on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """The items to act on or list. Every field that is set narrows the selection.

    ``scope`` is what the person may touch (None: every metric); ``ids`` picks items by number.
    Only open items are selected unless ``include_resolved`` (a note on a closed item).
    """

    scope: tuple[str, ...] | None = None
    ids: tuple[int, ...] | None = None
    metric: str | None = None
    flow: str | None = None
    system: str | None = None
    owner: str | None = None
    assignee: str | None = None
    unassigned: bool = False
    opened_before: datetime | None = None
    include_resolved: bool = False

    def params(self) -> dict[str, Any]:
        """The filter as the named parameters of the selection SQL."""
        return {
            "scope": list(self.scope) if self.scope is not None else None,
            "ids": list(self.ids) if self.ids is not None else None,
            "metric": self.metric,
            "flow": self.flow,
            "system": self.system,
            "owner": self.owner,
            "assignee": self.assignee,
            "unassigned": self.unassigned,
            "opened_before": self.opened_before,
            "include_resolved": self.include_resolved,
        }


@dataclass(frozen=True, slots=True)
class SelectedItem:
    """One item an action covers, with what its messages and counts need."""

    id: int
    metric: str
    system: str
    object_type: str
    external_id: str
    amount_minor: int | None
    currency: str | None
    status: str
    assignee: str | None
    resolved: bool
    since: datetime | None
    first_seen: datetime


# "Open for at least" is measured from when the problem began, or when it was first seen when
# the source does not say.
_SELECT = """
SELECT id, metric, system, object_type, external_id, amount_minor, currency, status,
       assignee, resolved_at IS NOT NULL, since, first_seen
FROM exception_item
WHERE (resolved_at IS NULL OR %(include_resolved)s)
  AND (%(scope)s::text[] IS NULL OR metric = ANY (%(scope)s::text[]))
  AND (%(ids)s::bigint[] IS NULL OR id = ANY (%(ids)s::bigint[]))
  AND (%(metric)s::text IS NULL OR metric = %(metric)s)
  AND (%(flow)s::text IS NULL OR labels ->> 'flow' = %(flow)s)
  AND (%(system)s::text IS NULL OR system = %(system)s)
  AND (%(owner)s::text IS NULL OR owner = %(owner)s)
  AND (%(assignee)s::text IS NULL OR assignee = %(assignee)s)
  AND (NOT %(unassigned)s OR assignee IS NULL)
  AND (%(opened_before)s::timestamptz IS NULL
       OR COALESCE(since, first_seen) <= %(opened_before)s)
ORDER BY id
"""


def select_items(
    conn: psycopg.Connection[Any], items: ItemFilter, *, lock: bool = False
) -> list[SelectedItem]:
    """The items ``items`` selects, by number; ``lock`` holds them until the transaction ends
    (so the compute cannot close or reopen one halfway through an action)."""
    sql = _SELECT + (" FOR UPDATE" if lock else "")
    rows = conn.execute(sql, items.params()).fetchall()
    return [SelectedItem(*row) for row in rows]
