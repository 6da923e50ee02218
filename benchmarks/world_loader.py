"""Generate a sandbox world straight into a store, two worker processes at a time."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from core.database import Database
from core.store.events import append_events
from core.store.records import upsert_records
from sandbox.draw import Frame
from sandbox.generator import WorldSpec, generate_bundle
from sandbox.store_loader import rows

BATCH = 2_000
"""Accounts per transaction."""


@dataclass(frozen=True)
class LoadJob:
    """One worker's share of the accounts."""

    url: str
    spec: WorldSpec
    start: int
    stop: int


def _load(job: LoadJob) -> tuple[int, int]:
    frame = Frame.build(job.spec.seed, job.spec.profile, job.spec.now, job.spec.horizon)
    db = Database(job.url)
    records = events = 0
    with db.connection() as conn:
        for first in range(job.start, job.stop, BATCH):
            bundles = (
                generate_bundle(frame, i) for i in range(first, min(first + BATCH, job.stop))
            )
            batch_records, batch_events = [], []
            for loaded in rows(bundles, job.spec.now):
                batch_records.extend(loaded.records)
                batch_events.extend(loaded.events)
            with conn.transaction():
                records += upsert_records(conn, batch_records, at=job.spec.now).inserted
                events += append_events(conn, batch_events)
    return records, events


def load_world(db: Database, spec: WorldSpec, workers: int = 2) -> tuple[int, int]:
    """Write every bundle of ``spec`` into ``db``; return (records, log events) stored."""
    total = spec.profile.accounts
    step = -(-total // workers)
    jobs = [LoadJob(db.url, spec, s, min(s + step, total)) for s in range(0, total, step)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_load, jobs))
    with db.connection(autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return sum(r for r, _ in results), sum(e for _, e in results)


def stamp(instant: datetime) -> str:
    """An instant for printing."""
    return instant.isoformat(timespec="seconds")
