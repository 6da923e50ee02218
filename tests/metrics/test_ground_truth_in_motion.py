"""The product agrees with the ground truth at every poll of a world that moves between polls.

A live world (``horizon > 0``) is served by the simulators and polled at three instants while
it changes: a billing run finalizes and pays invoices in one second, NetSuite invoices are
corrected in the repeated fall-back hour, committed after the instant they are stamped,
deleted and posted again, customers are cleaned up, accounts deleted and restored, links
fixed and re-pointed, and the middleware log rotates with lines written to the old file after
a poll and a line repeated across the rotation.

At every poll one store, collected poll after poll and computed incrementally, must equal a
store collected once at that instant into a fresh database, and both must equal the manifest
at that instant: every metric value and every exception's record, labels and money, as
``syncwatch status --json`` and ``syncwatch exceptions --json`` print them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from collectors.registry import build_connector
from collectors.runner import collect_source
from collectors.stripe import streams as stripe_streams
from core.clock import Clock
from core.config import Settings
from core.database import Database
from metrics.engine import compute
from sandbox.manifest import build_manifest
from sandbox.profile import Profile
from testkit.running_sandbox import RunningSandbox, profile_with, running_sandbox
from testkit.sandbox_settings import sandbox_settings
from tests.metrics.test_ground_truth import (
    FLAKY_WIRE,
    HEAVY_FAULTS,
    exception_keys,
    metric_key,
    syncwatch_json,
)
from tests.postgres import create_database, drop_database, with_database

pytestmark = pytest.mark.slow

# Los Angeles falls back on 2026-11-01: local 01:00-02:00 runs 08:00-09:00 UTC (PDT), then
# again 09:00-10:00 UTC (PST). The first poll is in the first pass, the second in the second
# pass, the third after the billing run at midnight UTC on 2026-11-02.
FIRST = datetime(2026, 11, 1, 8, 40, tzinfo=UTC)
POLLS = (FIRST, datetime(2026, 11, 1, 9, 50, tzinfo=UTC), FIRST + timedelta(days=1))
# An hour after the billing run posts its invoices, then after their late commits landed.
AROUND_THE_RUN = (
    FIRST,
    datetime(2026, 11, 2, 2, tzinfo=UTC),
    datetime(2026, 11, 2, 14, tzinfo=UTC),
)
SMALL_PAGE = 7

EVERY_MOTION = {
    "billing_runs": 0.6,
    "fall_back_corrections": 1.0,
    "late_commits": 0.3,
    "late_commit_delay": "4m",  # within the collectors' five-minute look-back
    "deleted_invoices": 0.1,
    "deleted_customers": 0.5,
    "deleted_accounts": 0.1,
    "relinks": 0.3,
    "log_stragglers": 3,
    "log_replays_across_rotation": True,
}
# A billing run posts many invoices an hour before the second poll; their commits lag by up to
# 12 hours, far behind the look-back, and land before the third poll.
LATE_COMMITS = {"billing_runs": 0.6, "late_commits": 1.0, "late_commit_delay": "12h"}

# Orphan and duplicate customers for the cleanups to delete.
STRAY_CUSTOMERS = {
    "orphan_erp_customers": 0.08,
    "orphan_billing_customers": 0.08,
    "duplicate_erp_customers": 0.08,
}


def live_profile(base: str, accounts: int, **changes: Any) -> Profile:
    """A small live world: two months of history, a log that rotates often."""
    return profile_with(
        base, accounts=accounts, history="60d", zendesk_export_per_minute=6000,
        log_rotate_bytes=16_384, **changes,
    )  # fmt: skip


LATE_BEHIND_THE_LOOK_BACK = "seed 5, default faults, commits landing hours behind the watermark"
CASES: dict[str, tuple[int, Profile, tuple[datetime, ...]]] = {
    "seed 3, default faults with more stray customers, every motion": (
        3,
        live_profile("default", 60, faults=STRAY_CUSTOMERS, motion=EVERY_MOTION),
        POLLS,
    ),
    "seed 42, heavy faults, every motion": (
        42,
        live_profile("default", 60, faults=HEAVY_FAULTS, motion=EVERY_MOTION),
        POLLS,
    ),
    "seed 11, clean but for stray customers, every motion over a flaky wire": (
        11,
        live_profile(
            "clean", 50, faults=STRAY_CUSTOMERS, motion=EVERY_MOTION, transport=FLAKY_WIRE
        ),
        POLLS,
    ),
    LATE_BEHIND_THE_LOOK_BACK: (
        5,
        live_profile("default", 60, motion=LATE_COMMITS),
        AROUND_THE_RUN,
    ),
}


@pytest.fixture
def fresh_database(pg_admin_url: str, migrated_template: str) -> Iterator[Callable[[], Database]]:
    """Makes empty migrated databases, dropped after the test."""
    names: list[str] = []

    def make() -> Database:
        names.append(create_database(pg_admin_url, template=migrated_template))
        return Database(with_database(pg_admin_url, names[-1]))

    yield make
    for name in names:
        drop_database(pg_admin_url, name)


def collect(db: Database, settings: Settings, at: datetime) -> None:
    """One poll of every source at ``at``."""
    clock = Clock(at)
    for name, source in settings.sources.items():
        connector = build_connector(name, source, clock=clock)
        try:
            outcome = collect_source(db, connector, clock=clock)
        finally:
            connector.close()
        assert outcome.healthy, (name, outcome.problems)


def documents(db: Database) -> tuple[dict[Any, Any], list[tuple[Any, ...]]]:
    """The metric values and exception keys the CLI prints for ``db``."""
    metrics = {
        metric_key(m): m["value"]
        for m in syncwatch_json(db, "status")["metrics"]
        if not m["name"].startswith(("collector_", "scheduler_"))
    }
    return metrics, exception_keys(syncwatch_json(db, "exceptions")["exceptions"])


def truth(manifest: dict[str, Any]) -> tuple[dict[Any, Any], list[tuple[Any, ...]]]:
    """The same two documents from the manifest."""
    metrics = {metric_key(m): m["value"] for m in manifest["metrics"]}
    return metrics, exception_keys(manifest["exceptions"])


def differences(
    got: tuple[dict[Any, Any], list[tuple[Any, ...]]],
    expected: tuple[dict[Any, Any], list[tuple[Any, ...]]],
) -> dict[str, Any]:
    """What differs between two pairs of documents, readably (empty when they agree)."""
    metrics = {
        key: (got[0].get(key), expected[0].get(key))
        for key in sorted(set(got[0]) | set(expected[0]))
        if got[0].get(key) != expected[0].get(key)
    }
    got_items, expected_items = Counter(got[1]), Counter(expected[1])
    found: dict[str, Any] = {}
    if metrics:
        found["metrics (got, expected)"] = metrics
    if got_items - expected_items:
        found["unexpected exceptions"] = sorted(got_items - expected_items)
    if expected_items - got_items:
        found["missing exceptions"] = sorted(expected_items - got_items)
    return found


def moved(sandbox: RunningSandbox, polls: tuple[datetime, ...]) -> Counter[str]:
    """How many of the world's changes that trip incremental readers fall between polls."""
    first, last = polls[0], polls[-1]
    world, seen = sandbox.world, Counter[str]()

    def between(instant: datetime | None) -> bool:
        return instant is not None and first < instant <= last

    per_second = Counter(
        int(e.created.timestamp()) for e in world.stripe_events if between(e.created)
    )
    seen["largest same-second burst"] = max(per_second.values(), default=0)
    for invoice in world.erp_invoices:
        seen["corrections"] += any(between(at) for at, _ in invoice.corrections)
        committed = invoice.committed_at or invoice.created
        seen["late commits seen by the next poll"] += any(
            invoice.created <= poll < committed <= later for poll, later in pairwise(polls)
        )
        seen["deleted invoices"] += between(invoice.deleted_at)
        seen["re-pointed invoices"] += any(between(at) for at, _ in invoice.relinks)
    for customer in world.erp_customers:
        seen["fixed customer links"] += any(between(at) for at, _ in customer.relinks)
        seen["deleted customers"] += between(customer.deleted_at)
    seen["deleted customers"] += sum(between(c.deleted_at) for c in world.billing_customers)
    seen["deleted accounts"] += sum(between(a.deleted_at) for a in world.accounts)
    seen["restored accounts"] += sum(between(a.restored_at) for a in world.accounts)
    seen["rotations"] = len(sandbox.writer.rotated_files())
    return seen


@pytest.mark.parametrize("case", list(CASES))
def test_every_poll_matches_a_fresh_collection_and_the_manifest(
    case: str,
    db: Database,
    fresh_database: Callable[[], Database],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed, profile, polls = CASES[case]
    # Stripe pages of 7 in a small world: a billing run's second spans several page boundaries.
    monkeypatch.setattr(stripe_streams, "PAGE_LIMIT", SMALL_PAGE)
    with running_sandbox(
        tmp_path, seed=seed, profile=profile, now=FIRST, horizon=polls[-1] - FIRST
    ) as sandbox:
        settings = sandbox_settings(sandbox, tmp_path, monkeypatch)
        for number, at in enumerate(polls):
            sandbox.move_to(at)
            collect(db, settings, at)
            assert compute(db, settings, at).incremental is (number > 0)
            fresh = fresh_database()
            collect(fresh, settings, at)
            compute(fresh, settings, at)

            expected = truth(build_manifest(sandbox.spec, now=at))
            once = documents(fresh)
            polled = documents(db)
            assert not differences(once, expected), f"{at}: a fresh collection"
            assert not differences(polled, once), f"{at}: polled against collected once"
        seen = moved(sandbox, polls)

    if profile.motion.late_commits and profile.motion.late_commit_delay > timedelta(hours=1):
        assert seen["late commits seen by the next poll"], seen
        return
    for change in (
        "corrections", "deleted invoices", "re-pointed invoices", "fixed customer links",
        "deleted customers", "deleted accounts", "restored accounts",
    ):  # fmt: skip
        assert seen[change], f"the world should hold {change} between polls: {seen}"
    assert seen["largest same-second burst"] > 2 * SMALL_PAGE, seen
    assert seen["rotations"] >= 3, seen
