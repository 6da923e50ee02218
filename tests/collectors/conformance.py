"""The conformance suite every connector passes against the sandbox.

Records land (exactly the expected ids), the canonical schema holds (required columns filled),
pagination ends (every stream finishes), the watermark only moves forward, and a second run
changes nothing. Each connector also describes itself as a ``ConnectorKit``, over which
``test_conformance.py`` runs the shared scenarios (transport faults, a wrong secret, schema
drift) once, parametrised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from collectors.runner import Connector, SourceOutcome, collect_source
from core.clock import Clock
from core.database import Database
from testkit.running_sandbox import RunningSandbox


@dataclass
class ConformanceCase:
    """What one connector must produce from one sandbox world."""

    system: str
    build: Callable[[], Connector]
    expected: Mapping[str, set[str]]
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    events_expected: int | None = None


@dataclass(frozen=True)
class ConnectorKit:
    """How the shared scenarios drive one connector against a running sandbox."""

    system: str
    """The sandbox system, which is also the store's ``system``."""
    source: str
    """The configured source name."""
    env: Callable[[RunningSandbox], Mapping[str, str]]
    """The environment variables holding the sandbox's credentials."""
    build: Callable[[RunningSandbox], Connector]
    clock: Callable[[RunningSandbox], Clock]
    expected: Callable[[RunningSandbox], Mapping[str, set[str]]]
    """Ids of every record the connector must store, by object type."""
    secret_env: str
    """The variable whose secret the wrong-secret scenario replaces."""
    secrets: Callable[[RunningSandbox], tuple[str, ...]]
    """Text that must never reach logs or the store (the real secrets)."""
    refusal: str
    """What the one-line reason of a refused secret says."""
    renamed: tuple[str, str]
    """A field the drift scenario serves under another name: (field, served as)."""
    faults: Mapping[str, float]
    """Transport fault rates that surely meet a 429, a 5xx and a malformed record."""
    accounts: int = 120
    seed: int = 7
    profile: Mapping[str, Any] = field(default_factory=dict)
    """Other profile changes the connector's simulator needs."""


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
