"""Rows of a page read, stored by the compute and read back instead of running the read.

A snapshot is keyed by the read's SQL and the values of exactly the parameters it uses, so it
answers only the very read that made it: other SQL, another filter, time range or compute
instant misses and runs live; its name is for people reading the table. Rows keep their column
types (stored beside them, restored by ``jsonb_to_recordset``), so a snapshot reads back as the
same rows the SQL returns.

Every compute replaces all snapshots. Resolving an exception item forgets them (``forget``):
the reads count open items, and until the next compute they run live.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from core.errors import SyncwatchError
from core.locks import lock_key

_PARAMETER: Final = re.compile(r"%\((\w+)\)s")
# Type names as format_type() spells them: words, an optional size, an optional array suffix.
_TYPE_NAME: Final = re.compile(r"[a-z][a-z0-9 ]*(\(\d+(,\d+)?\))?(\[\])?")

Rows = tuple[list[str], list[tuple[Any, ...]]]


class SnapshotError(SyncwatchError):
    """A stored snapshot whose columns cannot be read back (not written by ``store``)."""


def _plain(value: Any) -> Any:
    """A parameter or column value as JSON: instants in UTC, exact decimals and durations as
    text PostgreSQL reads back."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, timedelta):
        return f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"
    raise TypeError(f"cannot store {type(value).__name__} in a page snapshot")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_plain)


def key(sql_text: str, params: Mapping[str, Any]) -> str:
    """A digest of ``sql_text`` and the values of the parameters it uses (canonical JSON)."""
    used = sorted(set(_PARAMETER.findall(sql_text)))
    values = json.dumps({name: params[name] for name in used}, default=_plain, sort_keys=True)
    return hashlib.sha256(f"{sql_text}\0{values}".encode()).hexdigest()


def store(
    conn: psycopg.Connection[Any], name: str, sql_text: str, params: Mapping[str, Any],
    at: datetime,
) -> Rows:  # fmt: skip
    """Run the read and store its rows as ``name``'s snapshot for ``params``; return them."""
    cur = conn.execute(sql_text, params)
    result = cur.pgresult
    names = [c.name for c in cur.description or ()]
    if result is None or len(set(names)) != len(names):
        raise SnapshotError(f"the read {name} returns no result set, or two columns of one name")
    rows = cur.fetchall()
    types = [result.ftype(i) for i in range(len(names))]
    sizes = [result.fmod(i) for i in range(len(names))]
    typed = conn.execute(
        "SELECT format_type(t, m) FROM unnest(%s::oid[], %s::int[]) WITH ORDINALITY "
        "AS c (t, m, n) ORDER BY n",
        (types, sizes),
    ).fetchall()
    conn.execute(
        "INSERT INTO page_snapshot (name, key, computed_at, columns, rows) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, "
        "computed_at = EXCLUDED.computed_at, columns = EXCLUDED.columns, rows = EXCLUDED.rows",
        (
            name,
            key(sql_text, params),
            at,
            Jsonb([[n, t] for n, (t,) in zip(names, typed, strict=True)]),
            Jsonb([dict(zip(names, row, strict=True)) for row in rows], dumps=_dumps),
        ),
    )
    return names, rows


def _columns(stored: Sequence[Sequence[str]]) -> sql.Composed:
    parts = []
    for column, type_name in stored:
        if not _TYPE_NAME.fullmatch(type_name):
            raise SnapshotError(f"a page snapshot names an unknown column type {type_name!r}")
        parts.append(sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(type_name)))
    return sql.SQL(", ").join(parts)


def statement(
    conn: psycopg.Connection[Any], sql_text: str, params: Mapping[str, Any]
) -> tuple[sql.Composed, tuple[str]] | None:
    """The statement (and its parameters) reading the stored rows of the read for ``params``
    in their order and types, or None when the latest compute stored none for them."""
    snapshot_key = key(sql_text, params)
    found = conn.execute(
        "SELECT columns FROM page_snapshot WHERE key = %s", (snapshot_key,)
    ).fetchone()
    if found is None:
        return None
    stored: list[list[str]] = found[0]
    names = [column for column, _ in stored]
    composed = sql.SQL(
        "SELECT {names} FROM page_snapshot s, "
        "ROWS FROM (jsonb_to_recordset(s.rows) AS ({columns})) WITH ORDINALITY AS x ({all}) "
        "WHERE s.key = %s ORDER BY x.{n}"
    ).format(
        names=sql.SQL(", ").join(sql.Identifier("x", n) for n in names),
        columns=_columns(stored),
        all=sql.SQL(", ").join(sql.Identifier(n) for n in [*names, "_n"]),
        n=sql.Identifier("_n"),
    )
    return composed, (snapshot_key,)


def read(conn: psycopg.Connection[Any], sql_text: str, params: Mapping[str, Any]) -> Rows | None:
    """The stored rows of the read for ``params`` (see ``statement``), or None."""
    found = statement(conn, sql_text, params)
    if found is None:
        return None
    cur = conn.execute(*found)
    return [c.name for c in cur.description or ()], cur.fetchall()


def forget(conn: psycopg.Connection[Any]) -> None:
    """Drop every snapshot: reads run live until a compute stores its own.

    Holds the snapshots' lock to the end of the transaction. A compute forgets before it reads
    and stores, so a compute and a resolve take turns: the compute's reads see a resolve that
    committed first, and a resolve that waited forgets what the compute stored.
    """
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("page_snapshot"),))
    conn.execute("DELETE FROM page_snapshot")
