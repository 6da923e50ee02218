"""PostgreSQL advisory locks: one holder per job across every syncwatch process."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from core.database import Database


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name."""
    digest = hashlib.blake2b(f"syncwatch:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def advisory_lock(db: Database, name: str) -> Iterator[bool]:
    """Try to take the lock for the block; yields whether this process holds it.

    The lock lives on its own connection, so it is released even if the job's connections fail,
    and a crashed process releases it when its connection drops.
    """
    with db.connection(autocommit=True) as conn:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(name),)).fetchone()
        held = bool(row and row[0])
        try:
            yield held
        finally:
            if held:
                conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(name),))
