"""Binary COPY of rows into a per-connection temporary staging table, ahead of a merge."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql


def stage_rows(
    conn: psycopg.Connection[Any],
    *,
    create: sql.Composed,
    copy: sql.Composed,
    types: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
) -> int:
    """Create the staging table if needed and copy ``rows`` into it; return how many."""
    conn.execute(create)
    staged = 0
    with conn.cursor().copy(copy) as writer:
        writer.set_types(types)
        for row in rows:
            writer.write_row(row)
            staged += 1
    return staged
