"""The world generator: determinism, streaming, fault knobs and the precision rules."""

from __future__ import annotations

import inspect
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sandbox import ids
from sandbox.catalog import World
from sandbox.generator import WorldSpec, generate_world, iter_bundles
from sandbox.profile import Profile, load_profile
from sandbox.timeline import netsuite_safe

# The 120-day history before this instant covers the 2024-11-03 fall-back night.
NOW = datetime(2024, 11, 20, 12, tzinfo=UTC)
LA = ZoneInfo("America/Los_Angeles")


def _profile(accounts: int = 200, **faults: float) -> Profile:
    clean = load_profile("clean")
    return clean.model_copy(
        update={"accounts": accounts, "faults": clean.faults.model_copy(update=faults)}
    )


def _world(accounts: int = 200, seed: int = 3, **faults: float) -> World:
    return generate_world(WorldSpec(seed, _profile(accounts, **faults), NOW))


def test_same_spec_same_world_and_seed_matters() -> None:
    spec = WorldSpec(5, load_profile("default").model_copy(update={"accounts": 80}), NOW)
    assert generate_world(spec) == generate_world(spec)
    other = generate_world(WorldSpec(6, spec.profile, NOW))
    assert other.accounts != generate_world(spec).accounts


@pytest.mark.slow
def test_bundles_stream_in_bounded_memory() -> None:
    profile = load_profile("default").model_copy(
        update={"accounts": 20_000, "history": timedelta(days=3)}
    )
    bundles = iter_bundles(WorldSpec(1, profile, NOW))
    assert inspect.isgenerator(bundles)
    tracemalloc.start()
    try:
        count = sum(1 for _ in bundles)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 2_000_000  # a held list of 20k bundles would take far more


def test_ids_look_like_the_real_ones() -> None:
    assert ids.salesforce_checksum("001D000000IRFma") == "IAH"
    world = _world(50)
    for account in world.accounts:
        assert len(account.id) == 18 and account.id.startswith("001")
        assert account.id[15:] == ids.salesforce_checksum(account.id[:15])
    assert len({a.id for a in world.accounts}) == 50
    assert all(len(c.id) == 18 and c.id.startswith("cus_") for c in world.billing_customers)
    assert all(len(i.id) == 27 and i.id.startswith("in_") for i in world.invoices)
    assert all(len(s.id) == 28 and s.id.startswith("sub_") for s in world.subscriptions)
    assert all(len(e.id) == 28 and e.id.startswith("evt_") for e in world.stripe_events)
    assert all(c.entityid == f"CUST{9000 + int(c.id)}" for c in world.erp_customers)
    assert all(e.tranid.startswith("INV") for e in world.erp_invoices)
    corr = world.log_events[0].correlation_id
    assert len(corr) == 36 and corr[14] == "4"


def test_clean_world_is_fully_synced() -> None:
    world = _world()
    by_account = Counter(c.externalid for c in world.erp_customers)
    assert all(by_account[a.id] == 1 and a.erp_customer_id for a in world.accounts)
    assert all(a.billing_customer_id and a.deleted_at is None for a in world.accounts)
    assert {c.crm_account_id for c in world.billing_customers} == {a.id for a in world.accounts}
    posted = {e.externalid for e in world.erp_invoices}
    for invoice in world.invoices:
        assert invoice.id in posted or invoice.voided_at is not None or invoice.finalized_at > NOW
    assert all(len(s.amendments) <= 1 for s in world.subscriptions)
    applied = {a.amendment_id for s in world.subscriptions for a in s.amendments}
    assert applied == {q.id for q in world.amendments}
    assert world.tickets and world.organizations
    assert {"USD", "EUR", "GBP", "JPY"} >= {a.currency for a in world.accounts}


def test_never_synced_and_deleted_knobs() -> None:
    world = _world(never_synced_erp=1.0, never_synced_billing=1.0, deleted_accounts=1.0)
    assert not world.erp_customers and not world.billing_customers and not world.subscriptions
    assert all(a.erp_customer_id is None and a.billing_customer_id is None for a in world.accounts)
    assert all(a.deleted_at is not None and a.deleted_at > a.created for a in world.accounts)


def test_duplicate_and_orphan_customer_knobs() -> None:
    world = _world(duplicate_erp_customers=1.0)
    assert Counter(Counter(c.externalid for c in world.erp_customers).values()) == {2: 200}
    world = _world(orphan_erp_customers=1.0, orphan_billing_customers=1.0)
    account_ids = {a.id for a in world.accounts}
    erp_orphans = [c for c in world.erp_customers if c.externalid not in account_ids]
    billing_orphans = [c for c in world.billing_customers if c.crm_account_id not in account_ids]
    assert len(erp_orphans) == len(billing_orphans) == 200
    assert {c.externalid is None for c in erp_orphans} == {True, False}
    assert {c.crm_account_id or "" for c in billing_orphans} > {""}


def test_clock_skew_knob() -> None:
    world = _world(clock_skew=1.0)
    created = {a.id: a.created for a in world.accounts}
    assert all(c.externalid and c.created < created[c.externalid] for c in world.erp_customers)


def test_stuck_amendments_knob() -> None:
    world = _world(stuck_amendments=1.0)
    assert world.amendments
    assert all(not s.amendments for s in world.subscriptions)
    assert not [e for e in world.stripe_events if e.type == "customer.subscription.updated"]


def _latest_posting_status(world: World) -> dict[str, str]:
    latest = {}
    for line in world.log_events:  # sorted by ts
        if line.flow == "invoice_billing_to_erp":
            latest[line.source_id] = line.status
    return latest


@pytest.mark.parametrize(
    ("knob", "status"), [("posting_failed", "failed"), ("posting_dead_letter", "dead_letter")]
)
def test_posting_failure_knobs(knob: str, status: str) -> None:
    world = _world(**{knob: 1.0})
    assert world.invoices and not world.erp_invoices
    latest = _latest_posting_status(world)
    assert {latest[i.id] for i in world.invoices} == {status}


def test_failed_then_succeeded_knob() -> None:
    world = _world(posting_failed_then_succeeded=1.0)
    posted = {e.externalid: e for e in world.erp_invoices}
    # Every invoice is posted in the end, unless it was voided before the re-drive.
    assert {i.id for i in world.invoices if i.voided_at is None} <= set(posted)
    assert posted
    for invoice_id, erp in posted.items():
        lines = [
            e
            for e in world.log_events
            if e.flow == "invoice_billing_to_erp" and e.source_id == invoice_id
        ]
        assert lines[-1].status == "success" and lines[-1].ts == erp.created
        assert all(line.status == "failed" for line in lines[:-1])


def test_silent_miss_knob_leaves_no_trace() -> None:
    world = _world(silent_misses=1.0)
    assert world.invoices and not world.erp_invoices
    assert not [e for e in world.log_events if e.flow == "invoice_billing_to_erp"]


def test_amount_mismatch_and_payment_knobs() -> None:
    world = _world(amount_mismatches=1.0)
    totals = {i.id: (i.total_minor, i.currency) for i in world.invoices}
    assert world.erp_invoices
    assert all((e.total_minor, e.currency) != totals[e.externalid] for e in world.erp_invoices)
    world = _world(payment_not_synced=1.0)
    assert world.erp_invoices and all(e.paid_at is None for e in world.erp_invoices)
    assert any(i.paid_at is not None for i in world.invoices)


def test_payment_failed_then_synced_knob() -> None:
    world = _world(payment_failed_then_synced=1.0)
    applied = {e.externalid: e.paid_at for e in world.erp_invoices if e.paid_at is not None}
    failures = 0
    for invoice_id, paid_at in applied.items():
        lines = [
            e
            for e in world.log_events
            if e.flow == "payment_billing_to_erp" and e.source_id == invoice_id
        ]
        # Failed attempts (none when the payment was applied within two seconds), then success.
        assert lines[-1].status == "success" and lines[-1].ts == paid_at
        assert all(line.status == "failed" and line.ts < paid_at for line in lines[:-1])
        failures += len(lines) - 1
    assert applied and failures


def test_duplicate_log_lines_are_exact_replays() -> None:
    world = _world(50, duplicate_log_lines=1.0)
    assert set(Counter(world.log_events).values()) == {2}


def test_time_rules_hold() -> None:
    spec = WorldSpec(9, load_profile("default").model_copy(update={"accounts": 400}), NOW)
    world = generate_world(spec)
    assert all(a.created.microsecond == 0 for a in world.accounts)
    stamps = [c.created for c in world.erp_customers]
    stamps += [e.created for e in world.erp_invoices]
    stamps += [e.paid_at for e in world.erp_invoices if e.paid_at is not None]
    for stamp in stamps:
        assert stamp.microsecond == 0
        local = stamp.astimezone(LA).replace(tzinfo=None)
        # Not ambiguous: both readings of the local wall time name the same instant.
        first, second = (local.replace(tzinfo=LA, fold=f).astimezone(UTC) for f in (0, 1))
        assert first == second
    assert all(i.created.microsecond == 0 for i in world.invoices)
    for erp in world.erp_invoices:
        assert erp.paid_at is None or erp.paid_at > erp.created
    per_item = Counter((e.flow, e.source_id, e.ts) for e in set(world.log_events))
    assert max(per_item.values()) == 1
    jpy = [a for a in world.accounts if a.currency == "JPY"]
    assert jpy and all(a.arr_minor % 1000 == 0 for a in jpy)


def test_netsuite_safe_moves_out_of_the_repeated_hour() -> None:
    inside = datetime(2024, 11, 3, 9, 15, tzinfo=UTC)  # 01:15 PST, the second 01:15 that night
    assert netsuite_safe(inside) == datetime(2024, 11, 3, 10, tzinfo=UTC)
    assert netsuite_safe(inside, backwards=True) == datetime(2024, 11, 3, 7, 59, 59, tzinfo=UTC)
    outside = datetime(2024, 11, 3, 10, 0, tzinfo=UTC)
    assert netsuite_safe(outside) == outside


def test_horizon_adds_future_activity_only() -> None:
    profile = load_profile("default").model_copy(update={"accounts": 200})
    past = generate_world(WorldSpec(4, profile, NOW))
    live = generate_world(WorldSpec(4, profile, NOW, timedelta(days=7)))
    assert max(a.created for a in past.accounts) <= NOW
    assert max(a.created for a in live.accounts) > NOW


def test_spec_rejects_naive_now() -> None:
    with pytest.raises(ValueError, match="UTC"):
        WorldSpec(1, load_profile("clean"), datetime(2024, 1, 1))
