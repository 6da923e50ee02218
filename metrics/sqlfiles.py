"""The SQL that defines flows, metrics and exception items, read from the ``sql`` package."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql


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
    """Execute a file of several statements, binding parameters where a statement uses them."""
    for statement in text.split(";\n"):
        body = "\n".join(
            line for line in statement.splitlines() if not line.lstrip().startswith("--")
        ).strip()
        if body:
            conn.execute(query(body), params if "%(" in body else None)
