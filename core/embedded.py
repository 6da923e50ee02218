"""An embedded PostgreSQL for machines without one, shared by every syncwatch process.

pgserver keeps a list of the processes using a data directory; the server starts with the
first and stops when the last one exits, so the scheduler, the dashboard and a CLI command can
all open the same store without coordinating.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import platformdirs
import psycopg
from psycopg import sql

DATABASE_NAME = "syncwatch"


def default_data_dir() -> Path:
    """Where the embedded database lives unless ``--data-dir`` says otherwise."""
    return platformdirs.user_data_path("syncwatch") / "postgres"


class EmbeddedPostgres:
    """A handle on the embedded server; the server stops when the last handle closes."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp, which
            # is where pgserver's lock file belongs on a server without a login session.
            warnings.simplefilter("ignore")
            from pgserver import get_server  # type: ignore[attr-defined]

            self._server: Any = get_server(data_dir, cleanup_mode="stop")
        self.data_dir = data_dir
        self._ensure_database()

    @property
    def url(self) -> str:
        """libpq URL of the syncwatch database (over a Unix socket)."""
        return str(self._server.get_uri(DATABASE_NAME))

    def _ensure_database(self) -> None:
        with psycopg.connect(str(self._server.get_uri()), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))

    def fresh_database(self, name: str) -> str:
        """Drop and recreate database ``name`` on this server; return its URL."""
        with psycopg.connect(str(self._server.get_uri()), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return str(self._server.get_uri(name))

    def close(self) -> None:
        """Release this process's handle (stops the server if no other process holds one)."""
        self._server.cleanup()
