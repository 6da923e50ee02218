"""Key reconciliation: the periodic, ids-only check that catches deletions no source still reports.

Deletion logs forget (Salesforce's Get Deleted answers for the last 15 days, Stripe keeps events
30 days), so a collector stopped for longer would miss deletions for good. Once per
``RECONCILE_EVERY`` a reconciliation lists every current id of one object type; only when the
listing finished does its one page carry the ids, and the store marks deleted each stored,
live record of that type whose id is missing. An interrupted listing marks nothing.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

from collectors.base import Page, Position, Stream
from collectors.state import cursor_of
from core.clock import Clock
from core.store.deletions import PresentKeys

RECONCILE_EVERY = timedelta(days=1)
RECONCILED = "reconciled_at"


class KeyReconciliation(Stream):
    """Lists one object type's current ids, at most once per ``RECONCILE_EVERY``."""

    primary_key: ClassVar[str] = "id"
    system: ClassVar[str]

    def __init__(self, source: str, clock: Clock) -> None:
        super().__init__(source)
        self.clock = clock

    @abstractmethod
    def ids(self) -> Iterator[list[str]]:
        """The source's current ids of this object type, a page at a time."""

    def pages(self, position: Position | None) -> Iterator[Page]:
        """Nothing while the last reconciliation is recent; else one page with every id."""
        now = self.clock.now()
        last = cursor_of(position, RECONCILED)
        if last is not None and now - last < RECONCILE_EVERY:
            return
        present: set[str] = set()
        for chunk in self.ids():
            present.update(chunk)
        page = self.new_page({RECONCILED: now.isoformat()})
        page.present = PresentKeys(self.system, self.object_type, frozenset(present))
        yield page
