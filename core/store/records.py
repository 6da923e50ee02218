"""Canonical records, their bulk idempotent upsert, and the deletions that retire them.

Versions never go backwards. A record carries the version the collector read it at: either
none (a read of current state, which replaces whatever is stored: a source's polls never
overlap, so the later read is the one written later) or an instant on the source's clock with
a rank that orders two versions within one second (how far the object's own lifecycle has
come). The merge replaces a stored record only by a read of current state or by a strictly
newer ``(version_at, version_rank)``; docs/metrics.md, "Versions and deletions", states the
rule per source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from core.store.staging import stage_rows

COLUMNS = (
    "system",
    "object_type",
    "external_id",
    "account_ref",
    "link_ref",
    "parent_ref",
    "name",
    "domain",
    "status",
    "amount_minor",
    "currency",
    "created_at",
    "updated_at",
    "approved_at",
    "finalized_at",
    "paid_at",
    "voided_at",
    "is_deleted",
    "payload",
    "version_at",
    "version_rank",
)
# Binary COPY types in COLUMNS order (char(3) receives text bytes).
COPY_TYPES = (
    *["text"] * 9,
    "int8",
    "text",
    *["timestamptz"] * 6,
    "bool",
    "jsonb",
    "timestamptz",
    "int2",
)
_KEY = ("system", "object_type", "external_id")
_VALUES = tuple(c for c in COLUMNS if c not in _KEY)


@dataclass(frozen=True, slots=True)
class CanonicalRecord:
    """One collected object in the shape the metrics read (money in minor units, UTC times).

    ``version_at`` None marks a read of current state; otherwise ``(version_at,
    version_rank)`` orders this version against the stored one (see the module docstring).
    """

    system: str
    object_type: str
    external_id: str
    payload: Mapping[str, Any]
    account_ref: str | None = None
    link_ref: str | None = None
    parent_ref: str | None = None
    name: str | None = None
    domain: str | None = None
    status: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    approved_at: datetime | None = None
    finalized_at: datetime | None = None
    paid_at: datetime | None = None
    voided_at: datetime | None = None
    is_deleted: bool = False
    version_at: datetime | None = None
    version_rank: int = 0

    def newer_than(self, other: CanonicalRecord) -> bool:
        """Whether this version replaces ``other`` (the merge's guard, in Python)."""
        if self.version_at is None or other.version_at is None:
            return True
        return (self.version_at, self.version_rank) > (other.version_at, other.version_rank)

    def row(self) -> tuple[Any, ...]:
        """The record as a binary COPY row in ``COLUMNS`` order."""
        return (
            self.system,
            self.object_type,
            self.external_id,
            self.account_ref,
            self.link_ref,
            self.parent_ref,
            self.name,
            self.domain,
            self.status,
            self.amount_minor,
            self.currency,
            self.created_at,
            self.updated_at,
            self.approved_at,
            self.finalized_at,
            self.paid_at,
            self.voided_at,
            self.is_deleted,
            Jsonb(self.payload),
            self.version_at,
            self.version_rank,
        )


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What one upsert did."""

    inserted: int = 0
    updated: int = 0
    received: int = 0

    @property
    def changed(self) -> int:
        """Rows inserted or updated."""
        return self.inserted + self.updated

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.received + other.received,
        )


@dataclass
class _Statements:
    staging: sql.Composed
    copy: sql.Composed
    copy_new: sql.Composed
    merge: sql.Composed = field(init=False)

    def __post_init__(self) -> None:
        cols = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
        assignments = sql.SQL(", ").join(
            sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in _VALUES
        )
        current = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in _VALUES)
        incoming = sql.SQL(", ").join(
            sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in _VALUES
        )
        # The staged page holds one version per key, so ON CONFLICT never touches a row
        # twice; ORDER BY the key gives every writer the same lock order, so concurrent
        # writers of overlapping pages never deadlock.
        self.merge = sql.SQL(
            """
            WITH written AS (
                INSERT INTO source_record AS t ({cols}, first_collected_at, last_changed_at)
                SELECT {cols}, %(at)s, %(at)s
                FROM source_record_staging
                ORDER BY system, object_type, external_id
                ON CONFLICT (system, object_type, external_id) DO UPDATE
                SET {assignments}, last_changed_at = EXCLUDED.last_changed_at
                WHERE ({current}) IS DISTINCT FROM ({incoming})
                  AND (EXCLUDED.version_at IS NULL OR t.version_at IS NULL
                       OR (EXCLUDED.version_at, EXCLUDED.version_rank)
                          > (t.version_at, t.version_rank))
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
            FROM written
            """
        ).format(cols=cols, assignments=assignments, current=current, incoming=incoming)


_STATEMENTS = _Statements(
    staging=sql.SQL(
        "CREATE TEMP TABLE IF NOT EXISTS source_record_staging "
        "(LIKE source_record INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    ).format(),
    copy=sql.SQL("COPY source_record_staging ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    ),
    copy_new=sql.SQL(
        "COPY source_record ({}, first_collected_at, last_changed_at) FROM STDIN (FORMAT BINARY)"
    ).format(sql.SQL(", ").join(map(sql.Identifier, COLUMNS))),
)
_NEW_TYPES = (*COPY_TYPES, "timestamptz", "timestamptz")
_PROBES = 16


def upsert_records(
    conn: psycopg.Connection[Any], records: Iterable[CanonicalRecord], *, at: datetime
) -> UpsertResult:
    """Write records so that a repeat changes nothing and an older version never wins.

    Must run inside a transaction (the staging table empties on commit). A page of records
    that are all new is copied straight into the store (a backfill); a page where a sample of
    keys is already stored, or whose copy meets a stored key, goes through the staging merge.
    """
    received = list(records)
    newest = _newest_per_key(received)
    if not newest:
        return UpsertResult()
    if not _any_stored(conn, newest):
        try:
            with conn.transaction(), conn.cursor().copy(_STATEMENTS.copy_new) as writer:
                writer.set_types(_NEW_TYPES)
                for record in newest:
                    writer.write_row((*record.row(), at, at))
            return UpsertResult(inserted=len(newest), received=len(received))
        except psycopg.errors.UniqueViolation:
            pass
    stage_rows(
        conn,
        create=_STATEMENTS.staging,
        copy=_STATEMENTS.copy,
        types=COPY_TYPES,
        rows=(record.row() for record in newest),
    )
    row = conn.execute(_STATEMENTS.merge, {"at": at}).fetchone()
    assert row is not None
    conn.execute("TRUNCATE source_record_staging")
    return UpsertResult(inserted=row[0], updated=row[1], received=len(received))


def _any_stored(conn: psycopg.Connection[Any], records: list[CanonicalRecord]) -> bool:
    """Whether any of ``_PROBES`` evenly spaced records of the page is already stored."""
    step = max(1, len(records) // _PROBES)
    sample = records[::step][:_PROBES]
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM source_record JOIN unnest(%s::text[], %s::text[], "
        "%s::text[]) AS probe(system, object_type, external_id) "
        "USING (system, object_type, external_id))",
        (
            [r.system for r in sample],
            [r.object_type for r in sample],
            [r.external_id for r in sample],
        ),
    ).fetchone()
    assert row is not None
    return bool(row[0])


def _newest_per_key(records: Iterable[CanonicalRecord]) -> list[CanonicalRecord]:
    """One version per key (by the merge's own rule, so a later read or a strictly newer
    version wins), in key order, so every writer takes row locks in the same order and never
    deadlocks."""
    newest: dict[tuple[str, str, str], CanonicalRecord] = {}
    for record in records:
        key = (record.system, record.object_type, record.external_id)
        kept = newest.get(key)
        if kept is None or record.newer_than(kept):
            newest[key] = record
    return [newest[key] for key in sorted(newest)]
