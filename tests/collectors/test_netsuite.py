"""The NetSuite connector against the sandbox's SuiteQL simulator and a real PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from collectors.base import Page
from collectors.errors import FatalSourceError
from collectors.netsuite.connector import NetSuiteConnector, build_connector
from collectors.netsuite.responses import classify
from collectors.netsuite.suiteql import local_of, parse_local, to_date
from collectors.runner import SourceOutcome, collect_source
from core.clock import Clock
from core.config.sources import NetSuiteSource
from core.database import Database
from core.errors import RecordError
from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import NetSuiteCredentials
from sandbox.generator import WorldSpec, generate_world
from sandbox.netsuite.app import create_netsuite_app
from testkit.running_sandbox import NOW, RunningSandbox, profile_with, running_sandbox
from testkit.servers import running_app
from tests.collectors.conformance import (
    ConformanceCase,
    ConnectorKit,
    check_conformance,
    stored_ids,
)

SOURCE = "erp"
ACCOUNT_TZ = ZoneInfo("America/Los_Angeles")
ENV = {
    "consumer_key_env": "SW_TEST_NS_CONSUMER_KEY",
    "consumer_secret_env": "SW_TEST_NS_CONSUMER_SECRET",
    "token_id_env": "SW_TEST_NS_TOKEN_ID",
    "token_secret_env": "SW_TEST_NS_TOKEN_SECRET",
}
BEARER_ENV = "SW_TEST_NS_BEARER"
DELETION_STREAMS = {
    "customer_deletions": 0,
    "invoice_deletions": 0,
    "customer_keys": 0,
    "invoice_keys": 0,
}
"""The deletion log and the id reconciliation: nothing deleted in these worlds."""


@pytest.fixture(autouse=True)
def credentials_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's demo credentials, where the settings say to find them."""
    demo = NetSuiteCredentials()
    monkeypatch.setenv(ENV["consumer_key_env"], demo.consumer_key)
    monkeypatch.setenv(ENV["consumer_secret_env"], demo.consumer_secret)
    monkeypatch.setenv(ENV["token_id_env"], demo.token_id)
    monkeypatch.setenv(ENV["token_secret_env"], demo.token_secret)
    monkeypatch.setenv(BEARER_ENV, demo.oauth2_token)


def settings_for(
    base_url: str, *, page_size: int = 25, window_rows: int = 60, **changes: Any
) -> NetSuiteSource:
    """Settings for the simulator: fast retries, small pages and small windows."""
    data: dict[str, Any] = {
        "type": "netsuite",
        "base_url": base_url,
        "account_id": NetSuiteCredentials().account_id,
        "auth": {"method": "oauth1", **ENV},
        "backoff_initial": "10ms",
        "backoff_max": "50ms",
        "lookback": "5m",
        "page_size": page_size,
    }
    data.update(changes)
    # Real windows hold at least 1,000 rows; tiny worlds need tiny windows to cross several.
    return NetSuiteSource.model_validate(data).model_copy(update={"window_rows": window_rows})


def poll(
    db: Database, connector: NetSuiteConnector, at: datetime = NOW, **kw: Any
) -> SourceOutcome:
    """One poll of ``connector`` (the caller closes it)."""
    return collect_source(db, connector, clock=Clock(at), **kw)


def poll_once(db: Database, settings: NetSuiteSource, at: datetime = NOW) -> SourceOutcome:
    """One poll with a fresh connector."""
    connector = build_connector(SOURCE, settings, clock=Clock(at))
    try:
        return poll(db, connector, at)
    finally:
        connector.close()


def expected_ids(sandbox: RunningSandbox) -> dict[str, set[str]]:
    """Every ERP customer and invoice created by NOW."""
    world = sandbox.world
    return {
        "customer": {c.id for c in world.erp_customers if c.created <= NOW},
        "invoice": {i.id for i in world.erp_invoices if i.created <= NOW},
    }


def credentials(sandbox: RunningSandbox) -> dict[str, str]:
    """The sandbox account's token-based credentials, where the settings look for them."""
    demo = sandbox.credentials.netsuite
    return {
        ENV["consumer_key_env"]: demo.consumer_key,
        ENV["consumer_secret_env"]: demo.consumer_secret,
        ENV["token_id_env"]: demo.token_id,
        ENV["token_secret_env"]: demo.token_secret,
    }


KIT = ConnectorKit(
    system="netsuite",
    source=SOURCE,
    env=credentials,
    build=lambda sb: build_connector(SOURCE, settings_for(sb.urls["netsuite"]), clock=Clock(NOW)),
    clock=lambda sb: Clock(NOW),
    expected=expected_ids,
    secret_env=ENV["token_secret_env"],
    secrets=lambda sb: (
        sb.credentials.netsuite.token_secret,
        sb.credentials.netsuite.consumer_secret,
    ),
    refusal="NetSuite refused the credentials (INVALID_LOGIN): Invalid login attempt",
    renamed=("foreigntotal", "foreign_total"),
    faults={"rate_limited": 0.2, "server_errors": 0.05, "malformed": 0.03},
    accounts=150,
)


def as_read(instant: datetime) -> datetime:
    """An instant as the connector can know it from local text: the repeated hour reads early."""
    return instant - timedelta(hours=1) if instant.astimezone(ACCOUNT_TZ).fold else instant


@dataclasses.dataclass
class ServedAccount:
    """A NetSuite simulator over a world this test controls."""

    url: str
    world: World
    clock: SimulatedClock
    app: Any


@contextmanager
def served_account(*, accounts: int = 60, horizon: timedelta = timedelta(0)) -> Iterator[Any]:
    """Serve a world that may reach past NOW."""
    profile = profile_with(accounts=accounts)
    spec = WorldSpec(seed=5, profile=profile, now=NOW, horizon=horizon)
    world = generate_world(spec)
    clock = SimulatedClock(NOW)
    app = create_netsuite_app(
        world, clock, spec.seed, profile.transport_for("netsuite"), NetSuiteCredentials()
    )
    with running_app(app) as url:
        yield ServedAccount(url, world, clock, app)


def test_conformance_and_canonical_mapping(db: Database, tmp_path: Path) -> None:
    with running_sandbox(tmp_path, profile=profile_with(accounts=150)) as sandbox:
        customers = {c.id: c for c in sandbox.world.erp_customers if c.created <= NOW}
        invoices = {i.id: i for i in sandbox.world.erp_invoices if i.created <= NOW}
        settings = settings_for(sandbox.urls["netsuite"])
        case = ConformanceCase(
            system="netsuite",
            build=lambda: build_connector(SOURCE, settings, clock=Clock(NOW)),
            expected={"customer": set(customers), "invoice": set(invoices)},
            required={
                "customer": ("name", "created_at", "updated_at"),
                "invoice": ("name", "link_ref", "parent_ref", "status", "amount_minor"),
            },
        )
        first = check_conformance(db, case, Clock(NOW))
        requests = sandbox.apps["netsuite"].state.stats.requests["suiteql"]
    # The first poll alone reads pages of at most 25 rows across several 60-row windows.
    assert requests > (len(customers) + len(invoices)) // 25
    assert {s.stream: s.records for s in first.streams} == {
        "customers": len(customers),
        "invoices": len(invoices),
        **DELETION_STREAMS,
    }

    with db.connection() as conn:
        rows = conn.execute(
            "SELECT object_type, external_id, account_ref, link_ref, parent_ref, name, status, "
            "amount_minor, currency, created_at, updated_at, paid_at, payload "
            "FROM source_record WHERE system = 'netsuite'"
        ).fetchall()
    offsets = set()
    for kind, rid, account_ref, link, parent, name, status, amount, currency, *rest in rows:
        created, updated, paid, payload = rest
        if kind == "customer":
            c = customers[rid]
            assert (account_ref, name, payload["entityid"]) == (
                c.externalid,
                c.companyname,
                c.entityid,
            )
            assert (created, updated) == (as_read(c.created), as_read(c.lastmodified(NOW)))
            offsets.add(c.created.astimezone(ACCOUNT_TZ).utcoffset())
        else:
            i = invoices[rid]
            assert (link, parent, status, amount, currency) == (
                i.externalid,
                i.entity,
                i.status(NOW),
                i.total_minor,
                i.currency.upper(),
            )
            assert (created, updated) == (as_read(i.created), as_read(i.lastmodified(NOW)))
            assert paid == (updated if i.status(NOW) == "B" else None)
    # The world spans the end of daylight saving time: both offsets were converted.
    assert offsets == {timedelta(hours=-7), timedelta(hours=-8)}
    assert any(i.currency == "JPY" for i in invoices.values())


def test_local_time_across_daylight_saving_changes() -> None:
    summer = parse_local("2026-07-01 10:00:00", ACCOUNT_TZ)
    winter = parse_local("2026-12-01 10:00:00", ACCOUNT_TZ)
    assert summer == datetime(2026, 7, 1, 17, 0, tzinfo=UTC)
    assert winter == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    # 01:30 happens twice on 2026-11-01; the first (still daylight) occurrence is taken.
    assert parse_local("2026-11-01 01:30:00", ACCOUNT_TZ) == datetime(
        2026, 11, 1, 8, 30, tzinfo=UTC
    )
    assert local_of(datetime(2026, 3, 8, 10, 0, tzinfo=UTC), ACCOUNT_TZ) == "2026-03-08 03:00:00"
    assert to_date("2026-03-08 03:00:00") == (
        "TO_DATE('2026-03-08 03:00:00', 'YYYY-MM-DD HH24:MI:SS')"
    )
    with pytest.raises(RecordError):
        parse_local("3/8/2026 3:00 am", ACCOUNT_TZ)
    with pytest.raises(FatalSourceError):
        to_date("2026-03-08' OR 1=1 --")


def test_incremental_reads_exactly_the_changes_and_ties_across_windows(db: Database) -> None:
    with served_account(accounts=150, horizon=timedelta(hours=6)) as erp:
        later = NOW + timedelta(hours=3)
        tie = NOW + timedelta(hours=1)
        # 120 customers modified in the same second span many pages and several windows.
        tied = {c.id for c in erp.world.erp_customers[:120] if c.created <= NOW}
        erp.world.erp_customers[:] = [
            dataclasses.replace(c, edits=(*c.edits, tie)) if c.id in tied else c
            for c in erp.world.erp_customers
        ]
        settings = settings_for(erp.url, page_size=10, window_rows=30)
        connector = build_connector(SOURCE, settings, clock=Clock(NOW))
        try:
            poll(db, connector)
            erp.clock.start = later
            seen: list[str] = []

            def collect_ids(source: str, stream: str, page: Page) -> None:
                seen.extend(r.external_id for r in page.records if stream == "customers")

            second = poll(db, connector, later, on_page=collect_ids)
        finally:
            connector.close()

        customers = [c for c in erp.world.erp_customers if c.created <= later]
        invoices = [i for i in erp.world.erp_invoices if i.created <= later]
        changed_customers = {c.id for c in customers if c.lastmodified(later) > NOW}
        changed_invoices = {i.id for i in invoices if i.lastmodified(later) > NOW}
        assert tied <= changed_customers and len(changed_invoices) > 0
        assert {s.stream: s.changed for s in second.streams} == {
            "customers": len(changed_customers),
            "invoices": len(changed_invoices),
            **DELETION_STREAMS,
        }
        assert len(seen) == len(set(seen)), "a record was read twice in one run"
        assert changed_customers <= set(seen)
        with db.connection() as conn:
            stamps = dict(
                conn.execute(
                    "SELECT external_id, updated_at FROM source_record "
                    "WHERE system = 'netsuite' AND object_type = 'invoice'"
                ).fetchall()
            )
        assert stamps == {i.id: as_read(i.lastmodified(later)) for i in invoices}


def test_record_modified_mid_read_is_not_skipped(db: Database) -> None:
    with served_account(accounts=60) as erp:
        touched: list[str] = []

        def touch_one_already_read(source: str, stream: str, page: Page) -> None:
            # NetSuite re-runs the query per page: the touched row moves to the end and every
            # row after it shifts back by one under the reader's offset.
            if stream != "customers" or touched:
                return
            victim = page.records[2].external_id
            touched.append(victim)
            erp.world.erp_customers[:] = [
                dataclasses.replace(c, edits=(*c.edits, NOW)) if c.id == victim else c
                for c in erp.world.erp_customers
            ]

        connector = build_connector(SOURCE, settings_for(erp.url, page_size=10), clock=Clock(NOW))
        try:
            outcome = poll(db, connector, on_page=touch_one_already_read)
        finally:
            connector.close()
        expected = {c.id for c in erp.world.erp_customers if c.created <= NOW}
    assert outcome.healthy, outcome.problems
    assert stored_ids(db, "netsuite")["customer"] == expected
    with db.connection() as conn:
        row = conn.execute(
            "SELECT updated_at FROM source_record WHERE external_id = %s", (touched[0],)
        ).fetchone()
    assert row == (NOW,)


def test_a_commit_landing_behind_the_watermark_is_read_by_the_next_re_read(db: Database) -> None:
    with served_account(accounts=60, horizon=timedelta(hours=2)) as erp:
        visible = [i for i in erp.world.erp_invoices if i.visible(NOW)]
        watermark = max(i.lastmodified(NOW) for i in visible)
        late_id = max(
            (i for i in visible if i.lastmodified(NOW) <= watermark - timedelta(minutes=30)),
            key=lambda i: i.lastmodified(NOW),
        ).id
        # Stamped half an hour or more behind the first poll's watermark (a small world's
        # invoices are a day or so apart), committed twenty minutes after that poll; the
        # watermark moves on by the last poll, at most 70 minutes after the first.
        late = next(i for i in visible if i.id == late_id)
        assert late.lastmodified(NOW) > NOW + timedelta(minutes=70) - timedelta(hours=72)
        erp.world.erp_invoices[:] = [
            dataclasses.replace(i, committed_at=NOW + timedelta(minutes=20))
            if i.id == late_id
            else i
            for i in erp.world.erp_invoices
        ]
        settings = settings_for(erp.url, reread_every="1h", reread_window="72h")
        stored: dict[datetime, bool] = {}
        for minutes in (0, 40, 70):
            at = NOW + timedelta(minutes=minutes)
            erp.clock.start = at
            assert poll_once(db, settings, at).healthy
            stored[at] = late_id in stored_ids(db, "netsuite")["invoice"]
    # The poll at 40 minutes reads only the look-back, which the stamp is behind; the re-read an
    # hour after the first poll reaches back three days and finds it.
    assert list(stored.values()) == [False, False, True]


def test_oauth2_bearer_token(db: Database, tmp_path: Path) -> None:
    with running_sandbox(tmp_path, profile=profile_with(accounts=30)) as sandbox:
        settings = settings_for(
            sandbox.urls["netsuite"], auth={"method": "oauth2", "token_env": BEARER_ENV}
        )
        outcome = poll_once(db, settings)
        expected = {c.id for c in sandbox.world.erp_customers if c.created <= NOW}
    assert outcome.healthy, outcome.problems
    assert stored_ids(db, "netsuite")["customer"] == expected


def _error(status: int, code: str, detail: str) -> httpx.Response:
    body = {"status": status, "o:errorDetails": [{"detail": detail, "o:errorCode": code}]}
    return httpx.Response(status, json=body)


def test_refused_query_names_the_unknown_column() -> None:
    detail = (
        "Invalid search query. Detailed unprocessed description follows. Search error "
        "occurred: Field 'foreigntotal' for record 'transaction' was not found."
    )
    with pytest.raises(FatalSourceError) as refused:
        classify(_error(400, "INVALID_PARAMETER", detail))
    assert str(refused.value) == (
        "schema drift: NetSuite rejected field 'foreigntotal' on transaction; it may have been "
        "renamed or removed (INVALID_PARAMETER)"
    )
