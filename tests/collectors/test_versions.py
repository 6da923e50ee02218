"""Versions never go backwards: polls of a moving world over loopback HTTP, into PostgreSQL.

Each test serves a small hand-built world through the real simulator, polls it, moves the
simulated clock, polls again, and compares the store with what the source holds by then.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collectors.netsuite.connector import build_connector as build_netsuite
from collectors.runner import collect_source
from collectors.stripe.connector import build_connector as build_stripe
from collectors.stripe.streams import PAGE_LIMIT
from core.clock import Clock
from core.config.sources import NetSuiteSource, StripeSource
from core.database import Database
from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import NetSuiteCredentials
from sandbox.model import BillingCustomer, BillingInvoice, ErpCustomer, ErpInvoice, StripeEvent
from sandbox.netsuite.app import create_netsuite_app
from sandbox.profile import TransportFaults
from sandbox.stripe.app import create_stripe_app
from testkit.servers import running_app
from tests.collectors.test_netsuite import ENV as NETSUITE_ENV
from tests.collectors.test_stripe import SandboxClock

STRIPE_KEY = "sk_test_versions"
STRIPE_KEY_ENV = "SW_TEST_VERSIONS_STRIPE_KEY"
# Los Angeles falls back on 2026-11-01: local 01:00-02:00 runs 08:00-09:00 UTC, then again
# 09:00-10:00 UTC.
FIRST_PASS = datetime(2026, 11, 1, 8, 20, tzinfo=UTC)
SECOND_PASS = datetime(2026, 11, 1, 9, 10, tzinfo=UTC)


@contextmanager
def served(app: Any) -> Iterator[str]:
    with running_app(app) as url:
        yield url


def stored(db: Database, system: str, object_type: str, external_id: str) -> dict[str, Any]:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT status, amount_minor, paid_at, is_deleted FROM source_record "
            "WHERE system = %s AND object_type = %s AND external_id = %s",
            (system, object_type, external_id),
        ).fetchone()
    assert row is not None, f"{system}/{object_type}/{external_id} was never stored"
    return dict(zip(("status", "amount_minor", "paid_at", "is_deleted"), row, strict=True))


def same_second_world(now: datetime) -> tuple[World, BillingInvoice]:
    """An invoice finalized and paid within one second, with a full events page newer than both.

    The world knows the true instants (finalized 0.2 s into the second, paid 0.7 s); Stripe
    shows whole seconds and lists one second's events by id descending, so ``invoice.paid``
    closes the first page of the sweep and ``invoice.finalized`` opens the second.
    """
    second = now - timedelta(hours=1)
    finalized_at = second + timedelta(milliseconds=200)
    paid_at = second + timedelta(milliseconds=700)
    customer = BillingCustomer(
        "cus_V0000000000001", "Versions Ltd", None, None, now - timedelta(days=3)
    )
    target = BillingInvoice(
        "in_V0000000000000001",
        "V-0001",
        customer.id,
        None,
        12_500,
        "USD",
        now - timedelta(hours=2),
        finalized_at=finalized_at,
        paid_at=paid_at,
    )
    fillers = [
        BillingInvoice(
            f"in_F{n:016d}",
            f"F-{n:04d}",
            customer.id,
            None,
            1_000 + n,
            "USD",
            second + timedelta(seconds=n + 1),
            finalized_at=None,
        )
        for n in range(PAGE_LIMIT - 1)
    ]
    events = [
        StripeEvent("evt_V0_created", "invoice.created", target.created, "invoice", target.id),
        StripeEvent("evt_V1_finalized", "invoice.finalized", finalized_at, "invoice", target.id),
        StripeEvent("evt_V2_paid", "invoice.paid", paid_at, "invoice", target.id),
        *(
            StripeEvent(f"evt_F{n:04d}", "invoice.created", f.created, "invoice", f.id)
            for n, f in enumerate(fillers)
        ),
    ]
    world = World(
        billing_customers=[customer],
        invoices=sorted([target, *fillers], key=lambda i: (i.created, i.id)),
        stripe_events=sorted(events, key=lambda e: (e.created, e.id)),
    )
    return world, target


def test_same_second_stripe_events_split_across_pages_never_reopen_a_paid_invoice(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    world, invoice = same_second_world(now)
    simulated = SimulatedClock(now - timedelta(minutes=90))
    app = create_stripe_app(world, simulated, 3, TransportFaults(), STRIPE_KEY)
    monkeypatch.setenv(STRIPE_KEY_ENV, STRIPE_KEY)
    with served(app) as url:
        settings = StripeSource.model_validate(
            {"type": "stripe", "base_url": url, "api_key_env": STRIPE_KEY_ENV}
        )

        def poll() -> None:
            clock = SandboxClock(simulated)
            connector = build_stripe("stripe", settings, clock=clock)
            try:
                assert collect_source(db, connector, clock=clock).healthy
            finally:
                connector.close()

        poll()
        assert stored(db, "stripe", "invoice", invoice.id)["status"] == "draft"
        simulated.start = now
        poll()
        assert app.state.stats.requests["/v1/events"] >= 2, "the sweep should span two pages"

    assert stored(db, "stripe", "invoice", invoice.id) == {
        "status": "paid",
        "amount_minor": 12_500,
        "paid_at": invoice.paid_at.replace(microsecond=0) if invoice.paid_at else None,
        "is_deleted": False,
    }


def fall_back_world() -> tuple[World, ErpInvoice]:
    """An ERP invoice posted in the first pass of the repeated hour, corrected in the second."""
    customer = ErpCustomer(
        "501", "CUST501", "Versions Ltd", None, datetime(2026, 10, 1, 12, tzinfo=UTC)
    )
    invoice = ErpInvoice(
        "9001",
        "INV9001",
        "in_V0000000000000001",
        customer.id,
        10_000,
        "USD",
        FIRST_PASS,
        corrections=((SECOND_PASS, 10_010),),
    )
    return World(erp_customers=[customer], erp_invoices=[invoice]), invoice


def test_a_correction_in_the_repeated_fall_back_hour_is_taken_by_the_next_poll(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, invoice = fall_back_world()
    demo = NetSuiteCredentials()
    for name, value in (
        ("consumer_key_env", demo.consumer_key),
        ("consumer_secret_env", demo.consumer_secret),
        ("token_id_env", demo.token_id),
        ("token_secret_env", demo.token_secret),
    ):
        monkeypatch.setenv(NETSUITE_ENV[name], value)
    simulated = SimulatedClock(FIRST_PASS + timedelta(minutes=20))
    app = create_netsuite_app(world, simulated, 3, TransportFaults(), demo)
    with served(app) as url:
        settings = NetSuiteSource.model_validate(
            {
                "type": "netsuite",
                "base_url": url,
                "account_id": demo.account_id,
                "auth": {"method": "oauth1", **NETSUITE_ENV},
                "lookback": "5m",
            }
        )

        def poll() -> None:
            clock = Clock(simulated.now())
            connector = build_netsuite("erp", settings, clock=clock)
            try:
                assert collect_source(db, connector, clock=clock).healthy
            finally:
                connector.close()

        poll()
        assert stored(db, "netsuite", "invoice", invoice.id)["amount_minor"] == 10_000
        # The correction's local time reads an hour earlier than the version stored.
        simulated.start = SECOND_PASS + timedelta(minutes=20)
        poll()

    assert stored(db, "netsuite", "invoice", invoice.id)["amount_minor"] == 10_010
