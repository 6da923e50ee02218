"""A real PostgreSQL for the tests: the one named by the environment, the local one, or embedded."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def reachable(url: str) -> bool:
    """Whether a server answers at ``url`` within two seconds."""
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    if "host=/" in url or url.startswith("postgresql://postgres:@/"):
        head, _, query = url.partition("?")
        base = head.rsplit("/", 1)[0]
        return f"{base}/{name}?{query}" if query else f"{base}/{name}"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def server_url(tmp_root: Path) -> Iterator[str]:
    """The admin URL of the server the tests use; an embedded one lives for the session."""
    explicit = os.environ.get("SYNCWATCH_TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    if reachable(LOCAL_SERVER):
        yield LOCAL_SERVER
        return
    from core.embedded import EmbeddedPostgres

    embedded = EmbeddedPostgres(tmp_root / "pgdata")
    try:
        yield with_database(embedded.url, "postgres")
    finally:
        embedded.close()


def create_database(admin_url: str, *, template: str | None = None) -> str:
    """Create a uniquely named database (optionally from a template); return its name."""
    name = f"sw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        conn.execute(query)
    return name


def drop_database(admin_url: str, name: str) -> None:
    """Drop a test database, disconnecting anyone still on it."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
