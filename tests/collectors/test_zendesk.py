"""The Zendesk connector over real HTTP against the Zendesk simulator, into a real PostgreSQL."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from collectors.runner import SourceOutcome, collect_source
from collectors.zendesk.connector import build_connector
from core.clock import Clock
from core.config.sources import ZendeskSource
from core.database import Database
from sandbox.manifest import build_manifest
from sandbox.profile import Profile
from tests.collectors.conformance import ConformanceCase, check_conformance, positions, stored_ids
from tests.collectors.sandbox_fixture import RunningSandbox, profile_with, running_sandbox

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
    assert collect(db, sandbox).healthy
    first = positions(db, "zendesk")
    sandbox.clock.start += timedelta(days=3)
    assert world_tickets(sandbox) != stored_tickets(db), "the world should have moved on"
    requests = sandbox.apps["zendesk"].state.stats.requests

    assert collect(db, sandbox).healthy
    assert stored_tickets(db) == world_tickets(sandbox)
    assert stored_ids(db, "zendesk") == expected_ids(sandbox)
    second = positions(db, "zendesk")
    assert second["tickets"]["cursor"] != first["tickets"]["cursor"]
    assert second["organizations"]["start_time"] >= first["organizations"]["start_time"]
    # One request per stream: the cursor, not start_time, carried the second poll.
    assert requests["/api/v2/incremental/tickets/cursor.json"] == 2


def test_export_requests_are_spaced_to_the_configured_rate(
    db: Database, sandbox: RunningSandbox
) -> None:
    started = time.monotonic()
    assert collect(db, sandbox, exports_per_minute=60).healthy
    assert time.monotonic() - started >= 1.0  # two exports, one second apart


def test_transport_faults_store_every_valid_record_once_and_quarantine_the_rest(
    tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = zendesk_profile(120, rate_limited=0.2, server_errors=0.05, malformed=0.02)
    with running_sandbox(tmp_path, profile=profile, seed=17) as sandbox:
        monkeypatch.setenv(TOKEN_ENV, sandbox.credentials.zendesk.api_token)
        started = time.monotonic()
        outcome = collect(db, sandbox)
        elapsed = time.monotonic() - started
        faults = sandbox.apps["zendesk"].state.stats.faults
        expected = expected_ids(sandbox)
        malformed = {
            (m["object_type"], m["external_id"])
            for m in build_manifest(sandbox.spec)["malformed"]
            if m["system"] == "zendesk" and m["external_id"] in expected[m["object_type"]]
        }
    assert outcome.healthy, outcome.problems
    assert malformed and faults.rate_limited and faults.server_errors
    # Every refusal said Retry-After: 1 and was waited out, not retried at the 10 ms backoff.
    assert elapsed >= faults.rate_limited + faults.server_errors
    found = stored_ids(db, "zendesk")
    for object_type, ids in expected.items():
        assert found[object_type] == ids - {i for t, i in malformed if t == object_type}
    with db.connection() as conn:
        quarantined = set(
            conn.execute("SELECT object_type, external_id FROM quarantine").fetchall()
        )
    assert quarantined == malformed


def test_wrong_token_is_unhealthy_without_leaking_a_secret(
    db: Database,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wrong-zendesk-token-that-stays-secret"
    monkeypatch.setenv(TOKEN_ENV, wrong)
    with caplog.at_level(logging.DEBUG):
        outcome = collect(db, sandbox)
    assert not outcome.healthy
    assert outcome.reason is not None and "\n" not in outcome.reason
    assert "401" in outcome.reason
    with db.connection() as conn:
        stored = json.dumps(
            conn.execute("SELECT error FROM collector_run").fetchall()
            + conn.execute("SELECT reason FROM source_health").fetchall()
        )
    for secret in (wrong, sandbox.credentials.zendesk.api_token):
        assert secret not in caplog.text
        assert secret not in stored


def test_renamed_field_is_quarantined_and_named_in_health(
    tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = zendesk_profile(30, renamed_fields={"subject": "title"})
    with running_sandbox(tmp_path, profile=profile) as sandbox:
        monkeypatch.setenv(TOKEN_ENV, sandbox.credentials.zendesk.api_token)
        outcome = collect(db, sandbox)
        expected = expected_ids(sandbox)
    assert not outcome.healthy
    assert outcome.reason is not None and "'subject'" in outcome.reason
    with db.connection() as conn:
        quarantined = {
            row[0]
            for row in conn.execute(
                "SELECT external_id FROM quarantine WHERE object_type = 'ticket'"
            )
        }
    assert quarantined == expected["ticket"]
    assert stored_ids(db, "zendesk") == {"organization": expected["organization"]}
