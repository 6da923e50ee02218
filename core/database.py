"""The store's connection: an external PostgreSQL from the environment, else the embedded one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow

from core.config.models import DatabaseSettings
from core.embedded import EmbeddedPostgres, default_data_dir
from core.errors import DatabaseUnavailableError, SyncwatchError
from core.redaction import mask_secrets, mask_url

EXAMPLE_URL = "postgresql://user:password@host:5432/dbname"


class DatabaseUrlError(SyncwatchError):
    """The variable that names the store does not hold a PostgreSQL URL."""

    exit_code = 2


@dataclass
class Database:
    """Where the store is and how to connect to it."""

    url: str
    embedded: EmbeddedPostgres | None = None
    url_env: str | None = None
    """The environment variable the URL was read from, named in connection errors."""

    @property
    def display_url(self) -> str:
        """The URL with its password masked."""
        return mask_url(self.url)

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection[TupleRow]:
        """Open a connection, failing with one clear line when the server cannot be reached."""
        try:
            conn = psycopg.connect(
                self.url, autocommit=autocommit, connect_timeout=10, application_name="syncwatch"
            )
        except psycopg.OperationalError as exc:
            check = f"{self.url_env} and that" if self.url_env else "that"
            raise DatabaseUnavailableError(
                f"cannot connect to PostgreSQL at {self.display_url}: {_reason(exc, self.url)} "
                f"(check {check} the server is running and accepts connections)"
            ) from None
        conn.execute("SET TIME ZONE 'UTC'")
        if not autocommit:
            conn.commit()
        return conn

    @contextmanager
    def connection(self, *, autocommit: bool = False) -> Iterator[psycopg.Connection[TupleRow]]:
        """A connection that is closed on exit (committed unless an exception escapes)."""
        conn = self.connect(autocommit=autocommit)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def close(self) -> None:
        """Release the embedded server handle, if any."""
        if self.embedded is not None:
            self.embedded.close()
            self.embedded = None


def open_database(settings: DatabaseSettings, data_dir: Path | None = None) -> Database:
    """``$DATABASE_URL`` (or the configured variable) when set, else the embedded server."""
    url = os.environ.get(settings.url_env)
    if url:
        return Database(url=check_url(url, settings.url_env), url_env=settings.url_env)
    embedded = EmbeddedPostgres(data_dir or settings.data_dir or default_data_dir())
    return Database(url=embedded.url, embedded=embedded)


def check_url(url: str, env_name: str) -> str:
    """Refuse, naming ``env_name``, a value that is not a PostgreSQL URL; nothing connects yet."""
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise DatabaseUrlError(
            f"{env_name}: not a URL (set it to {EXAMPLE_URL}, "
            "or unset it to use the embedded PostgreSQL)"
        )
    if scheme.lower() not in ("postgresql", "postgres"):
        raise DatabaseUrlError(
            f"{env_name}: {scheme}:// is not supported, syncwatch stores its data in PostgreSQL "
            f"(set it to {EXAMPLE_URL})"
        )
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise DatabaseUrlError(
            f"{env_name}: not a valid PostgreSQL URL: {_reason(exc, url)} (expected {EXAMPLE_URL})"
        ) from None
    ports = str(params.get("port", "5432")).split(",")
    if not all(p.isdigit() and 1 <= int(p) <= 65535 for p in ports):
        raise DatabaseUrlError(
            f"{env_name}: port {params['port']!r} is not a number from 1 to 65535 "
            f"(expected {EXAMPLE_URL})"
        )
    return url


def _reason(exc: psycopg.Error, url: str) -> str:
    """libpq's reason without its "connection to server ... failed:" preamble or the password."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    # With several addresses to try, each attempt is a line; the last one is the most telling.
    line = next((x for x in reversed(lines) if " failed: " in x), lines[0])
    reason = " ".join(line.rsplit(" failed: ", 1)[-1].removeprefix("FATAL:").split())
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    return mask_secrets(reason, [password] if password else [])
