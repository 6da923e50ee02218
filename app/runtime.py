"""The app's settings and connection pool, built once per server process.

The ``syncwatch dashboard`` command passes the config file (``SYNCWATCH_CONFIG``) and the store
(``DATABASE_URL`` or the configured variable) through the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psycopg
import streamlit as st
from psycopg_pool import ConnectionPool

from core.config import Settings, load_settings
from core.database import Database, open_database

POOL_WAIT_SECONDS = 10.0
"""How long a page waits for a connection before saying the store cannot be reached."""


@dataclass(frozen=True)
class Runtime:
    """What every page run shares: the settings, the store and a small connection pool."""

    settings: Settings
    database: Database
    pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]]


def _configure(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute("SET TIME ZONE 'UTC'")
    # A page's reads are short: compiling one (PostgreSQL's JIT, for plans it guesses are
    # costly) takes longer than running it.
    conn.execute("SET jit = off")
    conn.commit()


def build_runtime() -> Runtime:
    """Read the settings and open the store named by the environment."""
    path = os.environ.get("SYNCWATCH_CONFIG")
    settings = load_settings(Path(path)) if path else Settings()
    database = open_database(settings.database)
    pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]] = ConnectionPool(
        database.url,
        min_size=1,
        max_size=8,
        configure=_configure,
        # A connection the server dropped (a restart, an outage) is replaced, not handed out.
        check=ConnectionPool.check_connection,
        timeout=POOL_WAIT_SECONDS,
        kwargs={"application_name": "syncwatch-dashboard"},
        open=True,
    )
    return Runtime(settings, database, pool)


def _release(runtime: Runtime) -> None:
    # A pool dropped from the cache without closing is closed by the garbage collector, which
    # may run on one of the pool's own worker threads and then cannot stop them.
    runtime.pool.close()


@st.cache_resource(show_spinner=False, on_release=_release)
def runtime() -> Runtime:
    """The process-wide runtime (one pool for every session)."""
    return build_runtime()
