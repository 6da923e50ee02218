"""The SQL that defines flows, metrics and exception items, read from the ``sql`` package."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql

# Many short analytic statements: JIT compilation costs more than it saves, and the groupings
# over every invoice should sort and hash in memory rather than spill to disk.
ANALYTIC_SETTINGS = {"jit": "off", "work_mem": "256MB"}


@cache
def sql_text(kind: str, name: str) -> str:
    """The text of ``sql/<kind>/<name>.sql``."""
    return resources.files(f"sql.{kind}").joinpath(f"{name}.sql").read_text(encoding="utf-8")


@cache
def names(kind: str) -> tuple[str, ...]:
    """Every query of one kind, sorted by name."""
    files = resources.files(f"sql.{kind}").iterdir()
    return tuple(sorted(f.name[:-4] for f in files if f.name.endswith(".sql")))


def query(text: str) -> sql.SQL:
    """Wrap SQL read from the package's own files (never user input) for composition."""
    return sql.SQL(text)


def run_script(conn: psycopg.Connection[Any], text: str, params: dict[str, Any]) -> None:
    """Execute a file of several statements, binding parameters where a statement uses them.

    A view's definition cannot take server-side parameters, so a ``CREATE … VIEW`` statement
    has its parameters bound as literals by the client (psycopg's ``ClientCursor``).
    """
    for statement in text.split(";\n"):
        body = "\n".join(
            line for line in statement.splitlines() if not line.lstrip().startswith("--")
        ).strip()
        if not body:
            continue
        if "%(" not in body:
            conn.execute(query(body))
        elif body.startswith("CREATE TEMP VIEW"):
            psycopg.ClientCursor(conn).execute(query(body), params)
        else:
            conn.execute(query(body), params)


def tune_session(conn: psycopg.Connection[Any], *, local: bool = True) -> None:
    """Apply ANALYTIC_SETTINGS to the current transaction (or, not local, the session)."""
    for name, value in ANALYTIC_SETTINGS.items():
        conn.execute("SELECT set_config(%s, %s, %s)", (name, value, local))
