"""The store's connection: an external PostgreSQL from the environment, else the embedded one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow

from core.config.models import DatabaseSettings
from core.embedded import EmbeddedPostgres, default_data_dir
from core.errors import DatabaseUnavailableError
from core.redaction import mask_url


@dataclass
class Database:
    """Where the store is and how to connect to it."""

    url: str
    embedded: EmbeddedPostgres | None = None

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
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise DatabaseUnavailableError(
                f"cannot connect to PostgreSQL at {self.display_url}: {reason}"
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

    def sqlalchemy_url(self) -> str:
        """The same database as a SQLAlchemy URL for Alembic."""
        for prefix in ("postgresql://", "postgres://"):
            if self.url.startswith(prefix):
                return "postgresql+psycopg://" + self.url[len(prefix) :]
        return self.url

    def close(self) -> None:
        """Release the embedded server handle, if any."""
        if self.embedded is not None:
            self.embedded.close()
            self.embedded = None


def open_database(settings: DatabaseSettings, data_dir: Path | None = None) -> Database:
    """``$DATABASE_URL`` (or the configured variable) when set, else the embedded server."""
    url = os.environ.get(settings.url_env)
    if url:
        return Database(url=url)
    embedded = EmbeddedPostgres(data_dir or settings.data_dir or default_data_dir())
    return Database(url=embedded.url, embedded=embedded)
