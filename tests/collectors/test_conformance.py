"""The shared scenarios, run once over every API connector: transport faults, a wrong secret,
and schema drift, each against the connector's simulator over loopback HTTP."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from collectors.runner import SourceOutcome, collect_source
from core.database import Database
from core.errors import RecordError
from sandbox.manifest import build_manifest
from testkit.running_sandbox import RunningSandbox, profile_with, running_sandbox
from tests.collectors.conformance import ConnectorKit, stored_ids
from tests.collectors.test_netsuite import KIT as NETSUITE
from tests.collectors.test_salesforce import KIT as SALESFORCE
from tests.collectors.test_stripe import KIT as STRIPE
from tests.collectors.test_zendesk import KIT as ZENDESK

KITS = [SALESFORCE, STRIPE, NETSUITE, ZENDESK]


@pytest.fixture(params=KITS, ids=[kit.system for kit in KITS])
def kit(request: pytest.FixtureRequest) -> ConnectorKit:
    return request.param  # type: ignore[no-any-return]


def collect(db: Database, kit: ConnectorKit, sandbox: RunningSandbox) -> SourceOutcome:
    connector = kit.build(sandbox)
    try:
        return collect_source(db, connector, clock=kit.clock(sandbox))
    finally:
        connector.close()


def serve_env(kit: ConnectorKit, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in kit.env(sandbox).items():
        monkeypatch.setenv(name, value)


def test_transport_faults_store_every_valid_record_once_and_quarantine_the_rest(
    kit: ConnectorKit, tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = profile_with(
        accounts=kit.accounts, transport={kit.system: dict(kit.faults)}, **kit.profile
    )
    with running_sandbox(tmp_path, profile=profile, seed=kit.seed) as sandbox:
        serve_env(kit, sandbox, monkeypatch)
        outcome = collect(db, kit, sandbox)
        injected = sandbox.apps[kit.system].state.stats.faults
        expected = kit.expected(sandbox)
        malformed = {
            (m["object_type"], m["external_id"])
            for m in build_manifest(sandbox.spec)["malformed"]
            if m["system"] == kit.system
        }
    assert outcome.healthy, outcome.problems
    assert injected.rate_limited and injected.server_errors and malformed
    found = stored_ids(db, kit.system)
    for object_type, ids in expected.items():
        assert found[object_type] == ids - {i for t, i in malformed if t == object_type}
    with db.connection() as conn:
        quarantined = set(
            conn.execute(
                "SELECT object_type, external_id FROM quarantine WHERE source = %s", (kit.source,)
            ).fetchall()
        )
        retried = conn.execute(
            "SELECT sum(retries), sum(rate_limited) FROM collector_run WHERE source = %s",
            (kit.source,),
        ).fetchone()
    assert quarantined == {(t, i) for t, i in malformed if i in expected.get(t, set())}
    assert retried is not None and retried[0] >= retried[1] > 0


def test_wrong_secret_is_unhealthy_in_one_line_and_never_leaks(
    kit: ConnectorKit,
    tmp_path: Path,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = f"wrong-{kit.system}-secret-never-to-be-logged"
    with running_sandbox(tmp_path, profile=profile_with(accounts=30, **kit.profile)) as sandbox:
        serve_env(kit, sandbox, monkeypatch)
        monkeypatch.setenv(kit.secret_env, wrong)
        with caplog.at_level(logging.DEBUG):
            outcome = collect(db, kit, sandbox)
        secrets = (wrong, *kit.secrets(sandbox))

    assert not outcome.healthy
    reason = outcome.reason or ""
    assert kit.refusal in reason
    assert "\n" not in reason and "Traceback" not in reason
    with db.connection() as conn:
        health = conn.execute(
            "SELECT healthy, reason FROM source_health WHERE source = %s", (kit.source,)
        ).fetchone()
        stored = json.dumps(
            conn.execute("SELECT error FROM collector_run").fetchall()
            + conn.execute("SELECT reason FROM source_health").fetchall()
        )
    assert health == (False, reason)
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in stored


def test_renamed_field_is_schema_drift_naming_the_field(
    kit: ConnectorKit, tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    field, served_as = kit.renamed
    transport = {kit.system: {"renamed_fields": {field: served_as}}}
    profile = profile_with(accounts=30, transport=transport, **kit.profile)
    with running_sandbox(tmp_path, profile=profile) as sandbox:
        serve_env(kit, sandbox, monkeypatch)
        outcome = collect(db, kit, sandbox)
    assert not outcome.healthy
    assert (outcome.reason or "").startswith(f"schema drift: field {field!r} is missing")
    drifts = [s.drift for s in outcome.streams if s.drift is not None]
    assert drifts and all(isinstance(d, RecordError) for d in drifts)
    assert {d.missing_field for d in drifts} == {field}
    with db.connection() as conn:
        health = conn.execute(
            "SELECT healthy, reason FROM source_health WHERE source = %s", (kit.source,)
        ).fetchone()
        quarantined = conn.execute(
            "SELECT count(*) FROM quarantine WHERE source = %s", (kit.source,)
        ).fetchone()
    assert health == (False, outcome.reason)
    assert quarantined is not None and quarantined[0] > 0
