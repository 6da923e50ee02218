"""The Salesforce connector against the sandbox's Salesforce simulator and a real PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from collectors.base import Page
from collectors.runner import SourceOutcome, collect_source
from collectors.salesforce.connector import SalesforceConnector, build_connector
from collectors.salesforce.fields import parse_datetime, soql_datetime, website_domain
from core.clock import Clock
from core.config.sources import SalesforceSource
from core.database import Database
from core.errors import RecordError
from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import SalesforceCredentials
from sandbox.generator import WorldSpec, generate_world
from sandbox.profile import Profile
from sandbox.salesforce.app import create_salesforce_app
from sandbox.salesforce.auth import ORG_ID
from testkit.running_sandbox import NOW, RunningSandbox, profile_with, running_sandbox
from testkit.servers import running_app
from tests.collectors.conformance import (
    ConformanceCase,
    ConnectorKit,
    check_conformance,
    stored_ids,
)

CLIENT_ID_ENV = "SW_TEST_SF_CLIENT_ID"
SECRET_ENV = "SW_TEST_SF_CLIENT_SECRET"
KEY_ENV = "SW_TEST_SF_PRIVATE_KEY"
SOURCE = "crm"
BATCH = 200  # the smallest batch Salesforce honours: several pages from a few hundred rows
DELETION_STREAMS = {
    "accounts_deleted": 0,
    "amendments_deleted": 0,
    "account_keys": 0,
    "amendment_keys": 0,
}
"""Get Deleted and the id reconciliation: nothing purged in these worlds."""


@pytest.fixture(autouse=True)
def credentials_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's demo credentials, where the settings say to find them."""
    demo = SalesforceCredentials()
    monkeypatch.setenv(CLIENT_ID_ENV, demo.client_id)
    monkeypatch.setenv(SECRET_ENV, demo.client_secret)


def settings_for(base_url: str, **changes: Any) -> SalesforceSource:
    """Settings for the simulator with fast retries."""
    data: dict[str, Any] = {
        "type": "salesforce",
        "base_url": base_url,
        "auth": {
            "method": "client_credentials",
            "client_id_env": CLIENT_ID_ENV,
            "client_secret_env": SECRET_ENV,
        },
        "backoff_initial": "10ms",
        "backoff_max": "50ms",
        "lookback": "5m",
    }
    data.update(changes)
    return SalesforceSource.model_validate(data)


def connector_for(settings: SalesforceSource) -> SalesforceConnector:
    """A connector reading small batches."""
    return build_connector(SOURCE, settings, clock=Clock(NOW), batch_size=BATCH)


def poll(
    db: Database, connector: SalesforceConnector, at: datetime = NOW, **kw: Any
) -> SourceOutcome:
    """One poll of ``connector``, closing nothing (the caller owns it)."""
    return collect_source(db, connector, clock=Clock(at), **kw)


def poll_once(db: Database, settings: SalesforceSource, at: datetime = NOW) -> SourceOutcome:
    """One poll with a fresh connector."""
    connector = connector_for(settings)
    try:
        return poll(db, connector, at)
    finally:
        connector.close()


@dataclasses.dataclass
class ServedOrg:
    """A Salesforce simulator over a world this test controls."""

    url: str
    world: World
    clock: SimulatedClock
    app: Any


@contextmanager
def served_org(
    *,
    accounts: int = 60,
    horizon: timedelta = timedelta(0),
    credentials: SalesforceCredentials | None = None,
    profile: Profile | None = None,
) -> Iterator[ServedOrg]:
    """Serve a world (optionally reaching past NOW) with chosen credentials."""
    profile = profile or profile_with(accounts=accounts)
    spec = WorldSpec(seed=11, profile=profile, now=NOW, horizon=horizon)
    world = generate_world(spec)
    clock = SimulatedClock(NOW)
    app = create_salesforce_app(
        world,
        clock,
        spec.seed,
        profile.transport_for("salesforce"),
        credentials or SalesforceCredentials(),
    )
    with running_app(app) as url:
        yield ServedOrg(url, world, clock, app)


def expected_ids(sandbox: RunningSandbox) -> dict[str, set[str]]:
    """Every account and amendment quote created by NOW."""
    world = sandbox.world
    return {
        "account": {a.id for a in world.accounts if a.created <= NOW},
        "amendment": {q.id for q in world.amendments if q.created <= NOW},
    }


KIT = ConnectorKit(
    system="salesforce",
    source=SOURCE,
    env=lambda sb: {
        CLIENT_ID_ENV: sb.credentials.salesforce.client_id,
        SECRET_ENV: sb.credentials.salesforce.client_secret,
    },
    build=lambda sb: connector_for(settings_for(sb.urls["salesforce"])),
    clock=lambda sb: Clock(NOW),
    expected=expected_ids,
    secret_env=SECRET_ENV,
    # The org's access tokens start with its id and "!".
    secrets=lambda sb: (sb.credentials.salesforce.client_secret, f"{ORG_ID[:15]}!"),
    refusal="Salesforce refused the login (invalid_client)",
    renamed=("ARR__c", "ARR_Amount__c"),
    # Above the flaky profile's rates, so that a few pages surely meet both kinds of fault.
    faults={"rate_limited": 0.3, "server_errors": 0.2, "malformed": 0.02},
    accounts=450,
)


def health_row(db: Database) -> tuple[Any, ...]:
    """The stored health of the test source."""
    with db.connection() as conn:
        row = conn.execute(
            "SELECT healthy, reason, api_usage FROM source_health WHERE source = %s", (SOURCE,)
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_conformance_and_canonical_mapping(db: Database, tmp_path: Path) -> None:
    profile = profile_with(accounts=450, faults={"deleted_accounts": 0.05})
    with running_sandbox(tmp_path, profile=profile) as sandbox:
        world = sandbox.world
        accounts = {a.id: a for a in world.accounts if a.created <= NOW}
        quotes = {q.id: q for q in world.amendments if q.created <= NOW}
        settings = settings_for(sandbox.urls["salesforce"])
        case = ConformanceCase(
            system="salesforce",
            build=lambda: connector_for(settings),
            expected={"account": set(accounts), "amendment": set(quotes)},
            required={
                "account": ("account_ref", "name", "amount_minor", "currency", "updated_at"),
                "amendment": ("account_ref", "parent_ref", "status", "amount_minor", "created_at"),
            },
        )
        first = check_conformance(db, case, Clock(NOW))
        assert sandbox.apps["salesforce"].state.stats.requests["queryMore"] >= 2

    assert {s.stream: s.records for s in first.streams} == {
        "accounts": len(accounts),
        "amendments": len(quotes),
        **DELETION_STREAMS,
    }
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT external_id, object_type, account_ref, parent_ref, name, domain, status, "
            "amount_minor, currency, created_at, updated_at, approved_at, is_deleted, payload "
            "FROM source_record WHERE system = 'salesforce'"
        ).fetchall()
    deleted = 0
    for row in rows:
        (rid, kind, account_ref, parent_ref, name, domain, status, amount, currency) = row[:9]
        created, updated, approved, is_deleted, payload = row[9:]
        if kind == "account":
            a = accounts[rid]
            website = (a.website or "").removeprefix("https://www.") or None
            expected = (rid, a.name, website, a.arr_minor, a.currency, a.created, a.modstamp(NOW))
            assert (account_ref, name, domain, amount, currency, created, updated) == expected
            assert is_deleted == (a.deleted_at is not None and a.deleted_at <= NOW)
            deleted += is_deleted
            assert "ERP_Customer_Id__c" in payload
        else:
            q = quotes[rid]
            assert (account_ref, parent_ref, status, amount, currency) == (
                q.account_id,
                q.master_contract_id,
                q.status(NOW),
                q.net_amount_minor,
                q.currency,
            )
            assert (created, updated) == (q.created, q.modstamp(NOW))
            assert approved == (q.approved_at if q.status(NOW) == "Approved" else None)
    assert deleted > 0
    assert any(a.currency == "JPY" for a in accounts.values())


def test_incremental_reads_exactly_the_changes_and_ties_across_batches(db: Database) -> None:
    with served_org(accounts=450, horizon=timedelta(hours=6)) as org:
        later = NOW + timedelta(hours=3)
        tie = NOW + timedelta(hours=1)
        # 300 accounts touched in the same millisecond straddle the 200-record batch boundary.
        tied = {a.id for a in org.world.accounts[:300] if a.created <= NOW}
        org.world.accounts[:] = [
            dataclasses.replace(a, edits=(*a.edits, tie)) if a.id in tied else a
            for a in org.world.accounts
        ]
        connector = connector_for(settings_for(org.url))
        try:
            poll(db, connector)
            org.clock.start = later
            seen: list[str] = []

            def collect_ids(source: str, stream: str, page: Page) -> None:
                seen.extend(r.external_id for r in page.records if stream == "accounts")

            second = poll(db, connector, later, on_page=collect_ids)
        finally:
            connector.close()

        changed_accounts = {
            a.id for a in org.world.accounts if a.created <= later and a.modstamp(later) > NOW
        }
        changed_quotes = {
            q.id for q in org.world.amendments if q.created <= later and q.modstamp(later) > NOW
        }
        assert tied <= changed_accounts
        assert any(a.created > NOW for a in org.world.accounts if a.created <= later)
        changed = {s.stream: s.changed for s in second.streams}
        assert changed == {
            "accounts": len(changed_accounts),
            "amendments": len(changed_quotes),
            **DELETION_STREAMS,
        }
        assert len(seen) == len(set(seen)), "a record was read twice in one run"
        assert changed_accounts <= set(seen)

        with db.connection() as conn:
            stamps = dict(
                conn.execute(
                    "SELECT external_id, updated_at FROM source_record "
                    "WHERE system = 'salesforce' AND object_type = 'account'"
                ).fetchall()
            )
        current = {a.id: a.modstamp(later) for a in org.world.accounts if a.created <= later}
        assert stamps == current


def test_field_the_org_rejects_is_schema_drift(db: Database, tmp_path: Path) -> None:
    with running_sandbox(tmp_path, profile=profile_with(accounts=30)) as sandbox:
        settings = settings_for(sandbox.urls["salesforce"], account={"arr": "ARR_2025__c"})
        outcome = poll_once(db, settings)
    assert not outcome.healthy
    reason = outcome.reason or ""
    assert reason.startswith("schema drift: Salesforce rejected field 'ARR_2025__c' on Account")
    assert "renamed" in reason and "\n" not in reason
    assert [s.status for s in outcome.streams] == ["failed", *["success"] * 5]


def test_daily_limit_stops_and_reports_usage(db: Database, tmp_path: Path) -> None:
    transport = {"salesforce": {"daily_request_limit": 1}}
    with running_sandbox(tmp_path, profile=profile_with(accounts=30, transport=transport)) as sb:
        connector = connector_for(settings_for(sb.urls["salesforce"]))
        try:
            outcome = poll(db, connector)
            usage = connector.api_usage()
        finally:
            connector.close()
    assert [s.status for s in outcome.streams] == ["success", *["failed"] * 5]
    assert "daily API request limit reached (1/1 used)" in (outcome.reason or "")
    assert usage == {"used": 1, "limit": 1}
    assert health_row(db)[2] == {"used": 1, "limit": 1}


def test_expired_session_is_refreshed_once(db: Database) -> None:
    profile = profile_with(accounts=30, transport={"salesforce": {"token_ttl": "1h"}})
    with served_org(profile=profile) as org:
        connector = connector_for(settings_for(org.url))
        try:
            assert poll(db, connector).healthy
            org.clock.start = NOW + timedelta(hours=2)
            assert poll(db, connector, NOW + timedelta(hours=2)).healthy
        finally:
            connector.close()
        assert org.app.state.stats.requests["token"] == 2


def _rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_jwt_bearer_login(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = _rsa_pair()
    other_private, _ = _rsa_pair()
    trust = SalesforceCredentials(jwt_public_key=public)
    with served_org(accounts=30, credentials=trust) as org:
        settings = settings_for(
            org.url,
            auth={
                "method": "jwt_bearer",
                "client_id_env": CLIENT_ID_ENV,
                "username": trust.username,
                "private_key_env": KEY_ENV,
            },
        )
        monkeypatch.setenv(KEY_ENV, private)
        outcome = poll_once(db, settings)
        monkeypatch.setenv(KEY_ENV, other_private)
        refused = poll_once(db, settings)
        expected = {a.id for a in org.world.accounts if a.created <= NOW}
    assert outcome.healthy, outcome.problems
    assert stored_ids(db, "salesforce")["account"] == expected
    assert refused.reason == "Salesforce refused the login (invalid_grant): invalid assertion"


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("acme.io", "acme.io"),
        ("WWW.acme.co.uk:8443", "acme.co.uk"),
        ("http://shop.acme.com", "shop.acme.com"),
        ("   ", None),
        (None, None),
    ],
)
def test_website_domain(website: str | None, domain: str | None) -> None:
    assert website_domain(website) == domain


def test_datetime_wire_format() -> None:
    instant = parse_datetime("2026-11-20T10:00:00.250+0000")
    assert instant == datetime(2026, 11, 20, 10, 0, 0, 250_000, tzinfo=UTC)
    assert soql_datetime(instant) == "2026-11-20T10:00:00.250Z"
    with pytest.raises(RecordError):
        parse_datetime("not-a-date")
