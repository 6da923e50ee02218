"""Shared pieces of the benchmark scripts: a scratch database, timing, and the machine."""

from __future__ import annotations

import os
import platform
import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from core import migrations
from core.database import Database

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def machine() -> str:
    """One line describing where the figures were measured."""
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {python}"


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def scratch_database(server_url: str = DEFAULT_SERVER) -> Iterator[Database]:
    """A migrated database that is dropped afterwards."""
    name = f"sw_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = conn.execute("SHOW server_version").fetchone()
    base, _, _ = server_url.rpartition("/")
    db = Database(f"{base}/{name}")
    try:
        migrations.upgrade(db)
        print(f"PostgreSQL {version[0] if version else '?'}, {machine()}")
        yield db
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def timed(label: str, results: dict[str, float]) -> Iterator[None]:
    """Record the wall time of a block under ``label``."""
    started = time.perf_counter()
    yield
    results[label] = time.perf_counter() - started
