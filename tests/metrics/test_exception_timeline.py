"""The compute writes its own changes into an item's timeline: an item it no longer finds is
resolved by syncwatch, one it finds again is reopened by syncwatch, an unchanged one gets none."""

from __future__ import annotations

from core.database import Database
from metrics import exception_actions
from metrics.exception_events import COMPUTE_ACTOR, timeline
from tests.metrics.fixtures import NOW, H, Store, open_items


def _silent_miss(db: Database) -> int:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT id FROM exception_item WHERE metric = 'silent_misses'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def _kinds(db: Database, item: int) -> list[tuple[str, str, object]]:
    """The item's events in the order they were written (the test's clock goes back)."""
    with db.connection() as conn:
        return [(e.kind, e.actor, e.at) for e in sorted(timeline(conn, item), key=lambda e: e.id)]


def test_the_compute_resolves_and_reopens_items_in_their_timeline(db: Database) -> None:
    s = Store()
    s.invoice("in_1", finalized=NOW - 30 * H)
    s.erp_invoice("in_1", created=NOW + 2 * H)
    s.compute(db)
    item = _silent_miss(db)
    s.compute(db, now=NOW + H // 2)  # still missing, nothing changed: no event
    assert _kinds(db, item) == []

    s.compute(db, now=NOW + 3 * H)  # the ERP invoice exists now: the item clears
    s.compute(db, now=NOW + H)  # evaluated before it again: the item recurs
    assert _kinds(db, item) == [
        ("resolved", COMPUTE_ACTOR, NOW + 3 * H),
        ("reopened", COMPUTE_ACTOR, NOW + H),
    ]
    assert open_items(db, "silent_misses") == {"in_1"}


def test_a_manual_resolve_of_a_live_problem_is_reopened_by_the_next_compute(db: Database) -> None:
    s = Store()
    s.invoice("in_1", finalized=NOW - 30 * H)
    s.compute(db)
    item = _silent_miss(db)
    with db.connection() as conn:
        exception_actions.resolve(conn, item, note="should be fine now", actor="fiona", at=NOW)
    s.compute(db, now=NOW + H)
    with db.connection() as conn:
        entries = timeline(conn, item)
        state = conn.execute(
            "SELECT status, resolved_at, note FROM exception_item WHERE id = %s", (item,)
        ).fetchone()
    assert [(e.kind, e.actor, e.note) for e in entries] == [
        ("resolved", "fiona", "should be fine now"),
        ("reopened", COMPUTE_ACTOR, None),
    ]
    assert state == ("open", None, "should be fine now")
