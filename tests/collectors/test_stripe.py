"""The Stripe connector over real HTTP against the Stripe simulator, into a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors.errors import AuthenticationError, FatalSourceError, RetriableError
from collectors.runner import SourceOutcome, collect_source
from collectors.stripe.client import stripe_classifier
from collectors.stripe.connector import build_connector
from core.clock import Clock
from core.config.sources import StripeSource
from core.database import Database
from sandbox.clock import SimulatedClock
from sandbox.wire.encoding import unix
from testkit.running_sandbox import RunningSandbox, profile_with, running_sandbox
from tests.collectors.conformance import (
    ConformanceCase,
    ConnectorKit,
    check_conformance,
    positions,
    stored_ids,
)

KEY_ENV = "SYNCWATCH_TEST_STRIPE_KEY"
OBJECTS = ("customer", "subscription", "invoice")


class SandboxClock(Clock):
    """The collector's now follows the simulator's, so both agree on event retention."""

    def __init__(self, simulated: SimulatedClock) -> None:
        super().__init__()
        self.simulated = simulated

    def now(self) -> datetime:
        return self.simulated.now()


def advance(sandbox: RunningSandbox, delta: timedelta) -> None:
    """Move simulated time forward: the simulators render the world at the later instant."""
    sandbox.clock.start += delta


def settings(sandbox: RunningSandbox, **changes: Any) -> StripeSource:
    data: dict[str, Any] = {
        "type": "stripe",
        "base_url": sandbox.urls["stripe"],
        "api_key_env": KEY_ENV,
        "backoff_initial": "10ms",
        "backoff_max": "50ms",
        "max_retries": 10,
    }
    data.update(changes)
    return StripeSource.model_validate(data)


def collect(db: Database, sandbox: RunningSandbox, **changes: Any) -> SourceOutcome:
    clock = SandboxClock(sandbox.clock)
    connector = build_connector("stripe", settings(sandbox, **changes), clock=clock)
    try:
        return collect_source(db, connector, clock=clock)
    finally:
        connector.close()


def expected_ids(sandbox: RunningSandbox) -> dict[str, set[str]]:
    world, now = sandbox.world, sandbox.clock.now()
    oldest_event = unix(now - timedelta(days=30))
    return {
        "customer": {c.id for c in world.billing_customers if c.created <= now},
        "subscription": {s.id for s in world.subscriptions if s.created <= now},
        "invoice": {i.id for i in world.invoices if i.created <= now},
        "subscription_change": {
            e.id
            for e in world.stripe_events
            if e.type == "customer.subscription.updated"
            and oldest_event <= unix(e.created) <= unix(now)
        },
    }


KIT = ConnectorKit(
    system="stripe",
    source="stripe",
    env=lambda sb: {KEY_ENV: sb.credentials.stripe.api_key},
    build=lambda sb: build_connector("stripe", settings(sb), clock=SandboxClock(sb.clock)),
    clock=lambda sb: SandboxClock(sb.clock),
    expected=expected_ids,
    secret_env=KEY_ENV,
    secrets=lambda sb: (sb.credentials.stripe.api_key,),
    refusal="Stripe refused the secret key: HTTP 401",
    renamed=("email", "mail"),
    faults={"rate_limited": 0.2, "server_errors": 0.05, "malformed": 0.01},
)


def stored_invoices(db: Database) -> dict[str, tuple[Any, ...]]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT external_id, status, amount_minor, currency, parent_ref, link_ref, name, "
            "created_at, finalized_at, paid_at, voided_at FROM source_record "
            "WHERE system = 'stripe' AND object_type = 'invoice'"
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def world_invoices(sandbox: RunningSandbox) -> dict[str, tuple[Any, ...]]:
    now = sandbox.clock.now()

    def seen(instant: datetime | None) -> datetime | None:
        return instant.replace(microsecond=0) if instant is not None and instant <= now else None

    return {
        i.id: (
            i.status(now),
            i.total_minor,
            i.currency.upper(),
            i.customer_id,
            i.subscription_id,
            None if i.status(now) == "draft" else i.number,
            i.created.replace(microsecond=0),
            seen(i.finalized_at),
            seen(i.paid_at),
            seen(i.voided_at),
        )
        for i in sandbox.world.invoices
        if i.created <= now
    }


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path, profile=profile_with(accounts=60)) as running:
        monkeypatch.setenv(KEY_ENV, running.credentials.stripe.api_key)
        yield running


def test_conformance(db: Database, sandbox: RunningSandbox) -> None:
    clock = SandboxClock(sandbox.clock)
    case = ConformanceCase(
        system="stripe",
        build=lambda: build_connector("stripe", settings(sandbox), clock=clock),
        expected=expected_ids(sandbox),
        required={
            "customer": ("created_at", "updated_at"),
            "subscription": ("parent_ref", "status", "amount_minor", "currency", "created_at"),
            "invoice": ("parent_ref", "status", "amount_minor", "currency", "created_at"),
            "subscription_change": ("link_ref", "parent_ref", "amount_minor", "created_at"),
        },
    )
    check_conformance(db, case, clock)
    assert stored_invoices(db) == world_invoices(sandbox)


def test_canonical_mapping_of_customers_and_changes(db: Database, sandbox: RunningSandbox) -> None:
    assert collect(db, sandbox).healthy
    with db.connection() as conn:
        customers = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT external_id, account_ref, name, domain, created_at, updated_at "
                "FROM source_record WHERE system = 'stripe' AND object_type = 'customer'"
            )
        }
        changes = conn.execute(
            "SELECT external_id, link_ref, parent_ref, created_at, updated_at, payload->>'type' "
            "FROM source_record WHERE object_type = 'subscription_change'"
        ).fetchall()
    now = sandbox.clock.now()
    for c in sandbox.world.billing_customers:
        assert customers[c.id] == (
            c.crm_account_id or None,
            c.name,
            c.email.rsplit("@", 1)[1].lower() if c.email else None,
            c.created.replace(microsecond=0),
            now,
        )
    amendments = {
        a.event_id: (a.amendment_id, s.id, a.applied_at)
        for s in sandbox.world.subscriptions
        for a in s.amendments
    }
    assert changes
    for event_id, link, parent, created, updated, kind in changes:
        assert (link, parent, created) == amendments[event_id]
        assert (updated, kind) == (created, "customer.subscription.updated")


def test_backfill_resumes_after_an_interrupted_run(
    tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_sandbox(tmp_path, profile=profile_with(accounts=150)) as sandbox:
        monkeypatch.setenv(KEY_ENV, sandbox.credentials.stripe.api_key)
        stats = sandbox.apps["stripe"].state.stats
        expected = expected_ids(sandbox)
        customer_calls = len(expected["customer"]) // 100 + 2  # list pages and one sweep
        subscription_calls = len(expected["subscription"]) // 100 + 2
        assert len(expected["invoice"]) > 200
        budget = customer_calls + subscription_calls + 1  # one invoice page, then it stops

        first = collect(db, sandbox, request_budget=budget)
        assert first.healthy, first.problems
        assert [s.status for s in first.streams] == ["success", "success", *["partial"] * 4]
        midway = positions(db, "stripe")["invoices"]
        assert midway["phase"] == "backfill" and midway["starting_after"].startswith("in_")
        assert len(stored_ids(db, "stripe")["invoice"]) == 100

        second = collect(db, sandbox)
        assert all(s.status == "success" for s in second.streams), second.streams
        expected = expected_ids(sandbox)
        found = stored_ids(db, "stripe")
        for object_type in OBJECTS:
            assert found[object_type] == expected[object_type]
        # Each list page was fetched once by the backfill (resuming never restarted it) and
        # once by the day's id reconciliation, which the first, interrupted poll never finished.
        pages = -(-len(expected["invoice"]) // 100)
        assert stats.requests["/v1/invoices"] == 2 * pages
        assert stored_invoices(db) == world_invoices(sandbox)


def test_events_pick_up_changes_after_the_backfill(db: Database, sandbox: RunningSandbox) -> None:
    assert collect(db, sandbox).healthy
    before = stored_invoices(db)
    advance(sandbox, timedelta(days=10))
    later = world_invoices(sandbox)
    assert any(later[i][0] != before[i][0] for i in before), "the world should have moved on"
    listed = sandbox.apps["stripe"].state.stats.requests["/v1/invoices"]

    outcome = collect(db, sandbox)
    assert outcome.healthy, outcome.problems
    # No backfill again: the only listing is the day's id reconciliation.
    reconciled = -(-len(expected_ids(sandbox)["invoice"]) // 100)
    assert sandbox.apps["stripe"].state.stats.requests["/v1/invoices"] == listed + reconciled
    assert stored_invoices(db) == later
    assert (
        stored_ids(db, "stripe")["subscription_change"]
        >= expected_ids(sandbox)["subscription_change"]
    )
    cursor = datetime.fromisoformat(positions(db, "stripe")["invoices"]["cursor"])
    assert cursor > sandbox.clock.now() - timedelta(days=10)


def test_a_cursor_older_than_event_retention_backfills_again(
    db: Database, sandbox: RunningSandbox
) -> None:
    assert collect(db, sandbox).healthy
    stats = sandbox.apps["stripe"].state.stats
    listed = stats.requests["/v1/invoices"]
    advance(sandbox, timedelta(days=31))

    outcome = collect(db, sandbox)
    assert outcome.healthy, outcome.problems
    assert stats.requests["/v1/invoices"] > listed
    assert stored_invoices(db) == world_invoices(sandbox)
    position = positions(db, "stripe")["invoices"]
    assert position["phase"] == "events"
    assert datetime.fromisoformat(position["cursor"]) >= sandbox.clock.now() - timedelta(days=1)


def test_an_interrupted_event_sweep_resumes_and_then_moves_the_cursor(
    tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_sandbox(tmp_path, profile=profile_with(accounts=150)) as sandbox:
        monkeypatch.setenv(KEY_ENV, sandbox.credentials.stripe.api_key)
        advance(sandbox, -timedelta(days=20))
        assert collect(db, sandbox).healthy
        cursor = positions(db, "stripe")["invoices"]["cursor"]
        advance(sandbox, timedelta(days=20))
        invoice_events = [
            e
            for e in sandbox.world.stripe_events
            if e.type.startswith("invoice.")
            and sandbox.clock.now() - timedelta(days=20) < e.created <= sandbox.clock.now()
        ]
        assert len(invoice_events) > 100, "the sweep should need several pages"

        # One events page for customers, one for subscriptions, one for invoices, then stop.
        first = collect(db, sandbox, request_budget=3)
        assert [s.status for s in first.streams] == ["success", "success", *["partial"] * 4]
        midway = positions(db, "stripe")["invoices"]
        assert midway["cursor"] == cursor
        assert midway["sweep"]["starting_after"].startswith("evt_")

        assert all(s.status == "success" for s in collect(db, sandbox).streams)
        done = positions(db, "stripe")["invoices"]
        assert "sweep" not in done and done["cursor"] > cursor
        assert stored_invoices(db) == world_invoices(sandbox)


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (429, {}, RetriableError),
        (409, {"Stripe-Should-Retry": "true"}, RetriableError),
        (500, {"Stripe-Should-Retry": "false"}, FatalSourceError),
        (503, {}, RetriableError),
        (401, {}, AuthenticationError),
        (400, {}, FatalSourceError),
    ],
)
def test_classifier_follows_stripe_should_retry(
    status: int, headers: dict[str, str], error: type[Exception]
) -> None:
    body = {"error": {"type": "invalid_request_error", "message": "No such invoice: 'in_1'"}}
    response = httpx.Response(status, json=body, headers=headers)
    with pytest.raises(error) as raised:
        stripe_classifier(response)
    assert type(raised.value) is error and "No such invoice" in str(raised.value)
    stripe_classifier(httpx.Response(200, json={}))  # a usable response passes
