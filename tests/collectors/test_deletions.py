"""Records that vanish: deletion logs, deleted events and the daily id reconciliation.

Each test serves a hand-built world through the real simulator over loopback HTTP, polls it,
deletes records as the source would, polls again and reads the store's ``is_deleted`` flags.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collectors.netsuite.connector import build_connector as build_netsuite
from collectors.runner import SourceOutcome, collect_source
from collectors.salesforce.connector import build_connector as build_salesforce
from collectors.stripe.connector import build_connector as build_stripe
from core.clock import Clock
from core.config.sources import NetSuiteSource, StripeSource
from core.database import Database
from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import NetSuiteCredentials, SalesforceCredentials
from sandbox.model import BillingCustomer, CrmAccount, ErpCustomer, ErpInvoice, StripeEvent
from sandbox.netsuite.app import create_netsuite_app
from sandbox.profile import TransportFaults
from sandbox.salesforce.app import create_salesforce_app
from sandbox.stripe.app import create_stripe_app
from testkit.servers import running_app
from tests.collectors.test_netsuite import ENV as NETSUITE_ENV
from tests.collectors.test_salesforce import CLIENT_ID_ENV, SECRET_ENV
from tests.collectors.test_salesforce import settings_for as salesforce_settings
from tests.collectors.test_stripe import SandboxClock

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
STRIPE_KEY = "sk_test_deletions"
STRIPE_KEY_ENV = "SW_TEST_DELETIONS_STRIPE_KEY"


def deleted_flags(db: Database, system: str, object_type: str) -> dict[str, bool]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT external_id, is_deleted FROM source_record "
            "WHERE system = %s AND object_type = %s",
            (system, object_type),
        ).fetchall()
    return dict(rows)


@contextmanager
def polled(db: Database, app: Any, build: Any, clock: SimulatedClock) -> Iterator[Any]:
    """A poll function over ``app`` served on loopback; each poll runs at the clock's now."""
    with running_app(app) as url:

        def poll() -> SourceOutcome:
            at = Clock(clock.now())
            connector = build(url, at)
            try:
                outcome = collect_source(db, connector, clock=at)
            finally:
                connector.close()
            assert outcome.healthy, outcome.problems
            return outcome

        yield poll


def test_netsuite_deletions_come_from_the_deletion_log(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = NetSuiteCredentials()
    for name, value in (
        ("consumer_key_env", demo.consumer_key),
        ("consumer_secret_env", demo.consumer_secret),
        ("token_id_env", demo.token_id),
        ("token_secret_env", demo.token_secret),
    ):
        monkeypatch.setenv(NETSUITE_ENV[name], value)
    made = NOW - timedelta(days=5)
    gone = NOW + timedelta(hours=1)
    customers = [
        ErpCustomer("601", "C601", "Kept Ltd", None, made),
        ErpCustomer("602", "C602", "Gone Ltd", None, made, deleted_at=gone),
    ]
    invoices = [
        ErpInvoice("9101", "INV9101", "in_kept", "601", 5_000, "USD", made),
        ErpInvoice("9102", "INV9102", "in_gone", "601", 7_000, "USD", made, deleted_at=gone),
    ]
    world = World(erp_customers=customers, erp_invoices=invoices)
    clock = SimulatedClock(NOW)
    app = create_netsuite_app(world, clock, 3, TransportFaults(), demo)

    def build(url: str, at: Clock) -> Any:
        settings = NetSuiteSource.model_validate(
            {
                "type": "netsuite",
                "base_url": url,
                "account_id": demo.account_id,
                "auth": {"method": "oauth1", **NETSUITE_ENV},
                "lookback": "5m",
            }
        )
        return build_netsuite("erp", settings, clock=at)

    with polled(db, app, build, clock) as poll:
        poll()
        assert deleted_flags(db, "netsuite", "invoice") == {"9101": False, "9102": False}
        clock.start = NOW + timedelta(hours=2)
        poll()

    assert deleted_flags(db, "netsuite", "customer") == {"601": False, "602": True}
    assert deleted_flags(db, "netsuite", "invoice") == {"9101": False, "9102": True}


def salesforce_world() -> tuple[World, SimulatedClock]:
    made = NOW - timedelta(days=40)
    accounts = [
        CrmAccount("001K00000000001AAA", "Kept", None, made, 100_000, "USD"),
        # Deleted and purged from the recycle bin between two polls, within 15 days.
        CrmAccount(
            "001P00000000002AAA",
            "Purged soon",
            None,
            made,
            200_000,
            "USD",
            deleted_at=NOW + timedelta(days=1),
            purged_at=NOW + timedelta(days=2),
        ),
        # Deleted and purged while the collector was stopped for weeks.
        CrmAccount(
            "001L00000000003AAA",
            "Purged long ago",
            None,
            made,
            300_000,
            "USD",
            deleted_at=NOW + timedelta(days=3),
            purged_at=NOW + timedelta(days=4),
        ),
    ]
    return World(accounts=accounts), SimulatedClock(NOW)


@contextmanager
def salesforce_polls(db: Database, world: World, clock: SimulatedClock) -> Iterator[Any]:
    demo = SalesforceCredentials()
    app = create_salesforce_app(world, clock, 3, TransportFaults(), demo)

    def build(url: str, at: Clock) -> Any:
        return build_salesforce("crm", salesforce_settings(url), clock=at, batch_size=200)

    with polled(db, app, build, clock) as poll:
        yield poll


def test_salesforce_records_purged_between_polls_come_from_get_deleted(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = SalesforceCredentials()
    monkeypatch.setenv(CLIENT_ID_ENV, demo.client_id)
    monkeypatch.setenv(SECRET_ENV, demo.client_secret)
    world, clock = salesforce_world()
    with salesforce_polls(db, world, clock) as poll:
        poll()
        # Within the reconciliation's day: only Get Deleted can tell.
        clock.start = NOW + timedelta(hours=60)
        poll()
    assert deleted_flags(db, "salesforce", "account") == {
        "001K00000000001AAA": False,
        "001P00000000002AAA": True,
        "001L00000000003AAA": False,
    }


def test_a_deletion_beyond_the_delete_logs_reach_is_caught_by_reconciliation(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = SalesforceCredentials()
    monkeypatch.setenv(CLIENT_ID_ENV, demo.client_id)
    monkeypatch.setenv(SECRET_ENV, demo.client_secret)
    world, clock = salesforce_world()
    with salesforce_polls(db, world, clock) as poll:
        poll()
        # Stopped for 20 days: both deletions fell out of Get Deleted's 15 days but one.
        clock.start = NOW + timedelta(days=20)
        poll()
    assert deleted_flags(db, "salesforce", "account") == {
        "001K00000000001AAA": False,
        "001P00000000002AAA": True,
        "001L00000000003AAA": True,
    }


def stripe_world() -> World:
    made = NOW - timedelta(days=10)
    deleted = NOW + timedelta(hours=6)
    kept = BillingCustomer("cus_D0000000000001", "Kept", None, None, made)
    gone = BillingCustomer("cus_D0000000000002", "Gone", None, None, made, deleted_at=deleted)
    forgotten = BillingCustomer(
        "cus_D0000000000003", "Forgotten", None, None, made, deleted_at=deleted
    )
    events = [
        *(
            StripeEvent(f"evt_D{n}c", "customer.created", made, "customer", c.id)
            for n, c in enumerate((kept, gone, forgotten))
        ),
        StripeEvent("evt_D9d", "customer.deleted", deleted, "customer", gone.id),
    ]
    return World(
        billing_customers=[kept, gone, forgotten],
        stripe_events=sorted(events, key=lambda e: (e.created, e.id)),
    )


def test_stripe_deletions_from_events_and_from_reconciliation(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STRIPE_KEY_ENV, STRIPE_KEY)
    clock = SimulatedClock(NOW)
    app = create_stripe_app(stripe_world(), clock, 3, TransportFaults(), STRIPE_KEY)
    with running_app(app) as url:
        settings = StripeSource.model_validate(
            {"type": "stripe", "base_url": url, "api_key_env": STRIPE_KEY_ENV}
        )

        def poll() -> None:
            at = SandboxClock(clock)
            connector = build_stripe("stripe", settings, clock=at)
            try:
                assert collect_source(db, connector, clock=at).healthy
            finally:
                connector.close()

        poll()
        clock.start = NOW + timedelta(hours=12)
        poll()
        # One customer's deletion came as an event; the other's event was never sent (as when
        # it aged out of Stripe's 30 days), so only the next day's reconciliation sees it.
        assert deleted_flags(db, "stripe", "customer") == {
            "cus_D0000000000001": False,
            "cus_D0000000000002": True,
            "cus_D0000000000003": False,
        }
        clock.start = NOW + timedelta(days=2)
        poll()
    assert deleted_flags(db, "stripe", "customer") == {
        "cus_D0000000000001": False,
        "cus_D0000000000002": True,
        "cus_D0000000000003": True,
    }
