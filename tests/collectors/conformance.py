"""The conformance suite every connector passes against the sandbox.

Records land (exactly the expected ids), the canonical schema holds (required columns filled),
pagination ends (every stream finishes), the watermark only moves forward, and a second run
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from collectors.runner import Connector, SourceOutcome, collect_source
from core.clock import Clock
from core.database import Database


@dataclass
class ConformanceCase:
    """What one connector must produce from one sandbox world."""

    system: str
    build: Callable[[], Connector]
    expected: Mapping[str, set[str]]
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    events_expected: int | None = None


def stored_ids(db: Database, system: str) -> dict[str, set[str]]:
    """Stored external ids by object type for one system."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT object_type, external_id FROM source_record WHERE system = %s", (system,)
        ).fetchall()
    found: dict[str, set[str]] = {}
    for object_type, external_id in rows:
        found.setdefault(object_type, set()).add(external_id)
    return found


def positions(db: Database, source: str) -> dict[str, dict[str, Any]]:
    """Every stream's stored watermark position."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT stream, position FROM watermark WHERE source = %s", (source,)
        ).fetchall()
    return {stream: dict(position) for stream, position in rows}


def run(db: Database, build: Callable[[], Connector], clock: Clock) -> SourceOutcome:
    """One poll with a freshly built connector."""
    connector = build()
    try:
        return collect_source(db, connector, clock=clock)
    finally:
        connector.close()


def check_conformance(db: Database, case: ConformanceCase, clock: Clock) -> SourceOutcome:
    """Run the connector twice and assert the conformance properties; return the first outcome."""
    first = run(db, case.build, clock)
    assert first.healthy, first.problems
    assert all(s.status == "success" for s in first.streams), first.streams

    found = stored_ids(db, case.system)
    for object_type, ids in case.expected.items():
        got = found.get(object_type, set())
        assert got == ids, (
            f"{case.system} {object_type}: missing {sorted(ids - got)[:5]}, "
            f"unexpected {sorted(got - ids)[:5]}"
        )
    with db.connection() as conn:
        for object_type, columns in case.required.items():
            for column in columns:
                nulls = conn.execute(
                    sql.SQL(
                        "SELECT count(*) FROM source_record "
                        "WHERE system = %s AND object_type = %s AND {} IS NULL"
                    ).format(sql.Identifier(column)),
                    (case.system, object_type),
                ).fetchone()
                assert nulls == (0,), f"{case.system} {object_type}.{column} has NULLs"
        if case.events_expected is not None:
            assert conn.execute("SELECT count(*) FROM sync_event").fetchone() == (
                case.events_expected,
            )

    before = positions(db, first.source)
    assert before, "no stream stored a watermark"
    second = run(db, case.build, clock)
    assert second.healthy, second.problems
    assert sum(s.changed for s in second.streams) == 0, second.streams
    after = positions(db, first.source)
    for stream, position in before.items():
        assert stream in after
        if position.get("cursor") is not None:
            assert str(after[stream]["cursor"]) >= str(position["cursor"]), stream
    return first
