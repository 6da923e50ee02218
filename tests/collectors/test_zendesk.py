"""The Zendesk connector over real HTTP against the Zendesk simulator, into a real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collectors.runner import SourceOutcome, collect_source
from collectors.zendesk.connector import build_connector
from core.clock import Clock
from core.config.sources import ZendeskSource
from core.database import Database
from sandbox.profile import Profile
from sandbox.wire.encoding import unix
from testkit.running_sandbox import RunningSandbox, profile_with, running_sandbox
from tests.collectors.conformance import (
    ConformanceCase,
    ConnectorKit,
    check_conformance,
    positions,
    stored_ids,
)

TOKEN_ENV = "SYNCWATCH_TEST_ZENDESK_TOKEN"
WITHHELD = timedelta(minutes=1)


def zendesk_profile(accounts: int = 60, **transport: Any) -> Profile:
    return profile_with(
        accounts=accounts, zendesk_export_per_minute=10_000, transport={"zendesk": transport}
    )


def settings(sandbox: RunningSandbox, **changes: Any) -> ZendeskSource:
    data: dict[str, Any] = {
        "type": "zendesk",
        "base_url": sandbox.urls["zendesk"],
        "email": sandbox.credentials.zendesk.email,
        "api_token_env": TOKEN_ENV,
        "exports_per_minute": 6000,
        "backoff_initial": "10ms",
        "backoff_max": "50ms",
        "max_retries": 10,
    }
    data.update(changes)
    return ZendeskSource.model_validate(data)


def collect(db: Database, sandbox: RunningSandbox, **changes: Any) -> SourceOutcome:
    clock = Clock(sandbox.clock.now())
    connector = build_connector("zendesk", settings(sandbox, **changes), clock=clock)
    try:
        return collect_source(db, connector, clock=clock)
    finally:
        connector.close()


def expected_ids(sandbox: RunningSandbox) -> dict[str, set[str]]:
    world, now = sandbox.world, sandbox.clock.now()
    return {
        "organization": {str(o.id) for o in world.organizations if o.created <= now - WITHHELD},
        "ticket": {
            str(t.id)
            for t in world.tickets
            if t.created <= now and t.updated(now) <= now - WITHHELD
        },
    }


KIT = ConnectorKit(
    system="zendesk",
    source="zendesk",
    env=lambda sb: {TOKEN_ENV: sb.credentials.zendesk.api_token},
    build=lambda sb: build_connector("zendesk", settings(sb), clock=Clock(sb.clock.now())),
    clock=lambda sb: Clock(sb.clock.now()),
    expected=expected_ids,
    secret_env=TOKEN_ENV,
    secrets=lambda sb: (sb.credentials.zendesk.api_token,),
    refusal="Zendesk refused the API token: HTTP 401",
    renamed=("subject", "title"),
    faults={"rate_limited": 0.2, "server_errors": 0.05, "malformed": 0.02},
    seed=17,
    # The simulator's export limit, far above the connector's pace, so only faults refuse.
    profile={"zendesk_export_per_minute": 10_000},
)


def stored_tickets(db: Database) -> dict[str, tuple[Any, ...]]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT external_id, parent_ref, name, status, created_at, updated_at "
            "FROM source_record WHERE system = 'zendesk' AND object_type = 'ticket'"
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def world_tickets(sandbox: RunningSandbox) -> dict[str, tuple[Any, ...]]:
    now = sandbox.clock.now()
    ids = expected_ids(sandbox)["ticket"]
    return {
        str(t.id): (
            str(t.organization_id) if t.organization_id is not None else None,
            t.subject,
            t.status(now),
            t.created.replace(microsecond=0),
            t.updated(now).replace(microsecond=0),
        )
        for t in sandbox.world.tickets
        if str(t.id) in ids
    }


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path, profile=zendesk_profile()) as running:
        monkeypatch.setenv(TOKEN_ENV, running.credentials.zendesk.api_token)
        yield running


def test_conformance(db: Database, sandbox: RunningSandbox) -> None:
    clock = Clock(sandbox.clock.now())
    case = ConformanceCase(
        system="zendesk",
        build=lambda: build_connector("zendesk", settings(sandbox), clock=clock),
        expected=expected_ids(sandbox),
        required={
            "organization": ("created_at", "updated_at", "name"),
            "ticket": ("status", "created_at", "updated_at"),
        },
    )
    check_conformance(db, case, clock)
    assert stored_tickets(db) == world_tickets(sandbox)
    with db.connection() as conn:
        orgs = dict(
            conn.execute(
                "SELECT external_id, account_ref FROM source_record "
                "WHERE object_type = 'organization'"
            ).fetchall()
        )
        usage = conn.execute("SELECT api_usage FROM source_health").fetchone()
    assert orgs == {
        str(o.id): o.external_id or None for o in sandbox.world.organizations if str(o.id) in orgs
    }
    assert usage is not None and usage[0]["export_limit_per_minute"] == 10_000


def test_later_polls_resume_from_the_stored_cursor(db: Database, sandbox: RunningSandbox) -> None:
    assert collect(db, sandbox, lookback="0s").healthy
    first = positions(db, "zendesk")
    sandbox.clock.start += timedelta(days=3)
    assert world_tickets(sandbox) != stored_tickets(db), "the world should have moved on"
    requests = sandbox.apps["zendesk"].state.stats.requests

    assert collect(db, sandbox, lookback="0s").healthy
    assert stored_tickets(db) == world_tickets(sandbox)
    assert stored_ids(db, "zendesk") == expected_ids(sandbox)
    second = positions(db, "zendesk")
    assert second["tickets"]["cursor"] != first["tickets"]["cursor"]
    assert second["organizations"]["start_time"] >= first["organizations"]["start_time"]
    # One request per stream: the cursor, not start_time, carried the second poll.
    assert requests["/api/v2/incremental/tickets/cursor.json"] == 2


def test_lookback_re_reads_behind_the_stored_positions(
    db: Database, sandbox: RunningSandbox
) -> None:
    lookback = timedelta(days=7)
    assert collect(db, sandbox, lookback="7d").healthy
    first = positions(db, "zendesk")
    newest = datetime.fromisoformat(first["tickets"]["updated_at"])
    now = sandbox.clock.now()
    since = unix(newest - lookback)
    orgs_since = first["organizations"]["start_time"] - int(lookback.total_seconds())
    tickets = [t for t in sandbox.world.tickets if str(t.id) in expected_ids(sandbox)["ticket"]]
    organizations = [
        o
        for o in sandbox.world.organizations
        if o.created <= now - WITHHELD and unix(o.created) >= orgs_since
    ]
    assert organizations and len(tickets) > len(
        [t for t in tickets if unix(t.updated(now)) >= since]
    )

    second = collect(db, sandbox, lookback="7d")
    assert second.healthy
    # Each stream read its look-back window again (changing nothing), not nothing at all.
    assert {s.stream: s.records for s in second.streams} == {
        "organizations": len(organizations),
        "tickets": len([t for t in tickets if unix(t.updated(now)) >= since]),
    }
    assert sum(s.changed for s in second.streams) == 0
    assert positions(db, "zendesk") == first

    resumed = {s.stream: s.records for s in collect(db, sandbox, lookback="0s").streams}
    assert resumed == {"organizations": 0, "tickets": 0}


def test_export_requests_are_spaced_to_the_configured_rate(
    db: Database, sandbox: RunningSandbox
) -> None:
    started = time.monotonic()
    assert collect(db, sandbox, exports_per_minute=60).healthy
    assert time.monotonic() - started >= 1.0  # two exports, one second apart
