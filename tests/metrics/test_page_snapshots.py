"""Stored page reads come back as the rows their SQL returns: every column type, NULLs, order
and an empty result; a snapshot only answers the SQL and parameter values that made it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.database import Database
from metrics import page_snapshots
from metrics.page_snapshots import SnapshotError

AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
# Rows of many types, in an order no index gives: descending, with NULLs and odd values.
TYPED = """
    SELECT n, 'x' || n AS label, ('EU' || n)::char(3) AS currency, n * 1.5 AS amount,
           (n * 100)::bigint AS minor, %(at)s::timestamptz - n * interval '1 hour' AS ts,
           DATE '2026-11-20' - n AS day, mod(n, 2) = 0 AS even,
           ARRAY['a' || n, NULL] AS words, jsonb_build_object('n', n, 'u', 'é') AS doc,
           CASE WHEN n = 2 THEN NULL ELSE n END AS sometimes,
           interval '1 day 90 minutes 5 microseconds' * n AS took
    FROM generate_series(1, %(upto)s) AS n
    ORDER BY n DESC
    """


def params(upto: int, **extra: Any) -> dict[str, Any]:
    return {"at": AT, "upto": upto, "unused": "anything", **extra}


def test_rows_read_back_as_the_sql_returns_them(db: Database) -> None:
    with db.connection() as conn:
        stored = page_snapshots.store(conn, "typed", TYPED, params(4), AT)
        live = conn.execute(TYPED, params(4)).fetchall()
        found = page_snapshots.read(conn, TYPED, params(4))
    assert found is not None
    assert found == stored
    names, rows = found
    assert names[:3] == ["n", "label", "currency"]
    assert rows == live
    assert [type(v) for v in rows[0]] == [type(v) for v in live[0]]
    assert rows[0][5] == AT - timedelta(hours=4) and rows[0][5].tzinfo is not None


def test_an_empty_result_is_stored_too(db: Database) -> None:
    with db.connection() as conn:
        page_snapshots.store(conn, "typed", TYPED, params(0), AT)
        assert page_snapshots.read(conn, TYPED, params(0)) == (
            page_snapshots.store(conn, "typed", TYPED, params(0), AT)[0],
            [],
        )


def test_only_the_same_sql_and_used_values_are_answered(db: Database) -> None:
    with db.connection() as conn:
        page_snapshots.store(conn, "typed", TYPED, params(3), AT)
        assert page_snapshots.read(conn, TYPED, params(3, unused="other")) is not None
        assert page_snapshots.read(conn, TYPED, params(4)) is None
        assert page_snapshots.read(conn, TYPED, params(3, at=AT + timedelta(minutes=5))) is None
        assert page_snapshots.read(conn, TYPED.replace("DESC", "ASC"), params(3)) is None
        same_instant = AT.astimezone(ZoneInfo("America/New_York"))
        assert page_snapshots.read(conn, TYPED, params(3, at=same_instant)) is not None
        page_snapshots.forget(conn)
        assert page_snapshots.read(conn, TYPED, params(3)) is None


def test_a_column_type_that_is_not_a_type_name_is_refused(db: Database) -> None:
    with db.connection() as conn:
        page_snapshots.store(conn, "typed", TYPED, params(1), AT)
        conn.execute(
            "UPDATE page_snapshot SET columns = jsonb_set(columns, '{0,1}', "
            "'\"int); DROP TABLE audit_log; --\"')"
        )
        with pytest.raises(SnapshotError, match="unknown column type"):
            page_snapshots.read(conn, TYPED, params(1))
