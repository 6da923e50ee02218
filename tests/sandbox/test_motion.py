"""Motion knobs: changes between polls that trip incremental readers, and their ground truth."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sandbox.catalog import World
from sandbox.generator import WorldSpec, generate_world, iter_bundles
from sandbox.manifest import build_manifest
from sandbox.profile import Motion, Profile, load_profile
from sandbox.timeline import fall_back_window
from sandbox.truth_flows import flow_items
from sandbox.truth_records import customers

# The first poll of a live world, in the first pass of the 2026-11-01 fall-back hour.
NOW = datetime(2026, 11, 1, 8, 40, tzinfo=UTC)
HORIZON = timedelta(days=1)
EVERY_MOTION = {
    "billing_runs": 1.0,
    "fall_back_corrections": 1.0,
    "late_commits": 0.5,
    "late_commit_delay": "6h",
    "deleted_invoices": 0.2,
    "deleted_customers": 1.0,
    "deleted_accounts": 0.3,
    "relinks": 0.3,
}


def _profile(**motion: object) -> Profile:
    """An 80-account default world with two months of history, stray customers and ``motion``."""
    data = load_profile("default").model_dump(mode="json")
    strays = {"orphan_erp_customers": 0.1, "orphan_billing_customers": 0.1}
    faults = {**data["faults"], **strays, "duplicate_erp_customers": 0.1}
    return Profile.model_validate(
        {**data, "accounts": 80, "history": "60d", "faults": faults, "motion": motion}
    )


def _world(profile: Profile, seed: int = 3) -> World:
    return generate_world(WorldSpec(seed, profile, NOW, HORIZON))


def test_motion_is_off_by_default_and_the_log_knobs_leave_the_world_alone() -> None:
    assert Profile().motion == Motion()
    assert not Motion(log_stragglers=3, log_replays_across_rotation=True).changes_records
    plain = _world(_profile())
    assert _world(_profile(log_stragglers=3, log_replays_across_rotation=True)) == plain
    assert _world(_profile(**EVERY_MOTION)) != plain


def test_a_billing_run_finalizes_and_pays_in_one_second() -> None:
    world = _world(_profile(billing_runs=1.0))
    run = datetime(2026, 11, 2, 1, tzinfo=UTC)
    second = run + timedelta(seconds=1)
    times = [(i.finalized_at, i.paid_at) for i in world.invoices if i.finalized_at is not None]
    in_run = [(f, p) for f, p in times if f is not None and run <= f < second]
    assert len(in_run) > 20
    paid = [(f, p) for f, p in in_run if p is not None and p < second]
    assert paid and all(f < p for f, p in paid)
    burst = Counter(int(e.created.timestamp()) for e in world.stripe_events)
    assert burst[int(run.timestamp())] >= len(in_run) + len(paid)
    # Everything downstream of Stripe works from its whole seconds.
    assert all(e.created.microsecond == 0 for e in world.erp_invoices)


def test_corrections_fall_in_the_second_pass_of_the_repeated_hour() -> None:
    world = _world(_profile(fall_back_corrections=1.0))
    start, end = fall_back_window(2026)
    corrected = [e for e in world.erp_invoices if e.corrections]
    assert corrected
    for invoice in corrected:
        [(at, total)] = invoice.corrections
        assert start + (end - start) / 2 <= at < end
        assert invoice.created < at and (invoice.paid_at is None or invoice.paid_at > end)
        assert invoice.total(at) == total != invoice.total(at - timedelta(seconds=1))


def test_the_truth_follows_deletions_restores_relinks_and_late_commits() -> None:
    spec = WorldSpec(3, _profile(**EVERY_MOTION), NOW, HORIZON)
    later = NOW + HORIZON
    checked: Counter[str] = Counter()
    for bundle in iter_bundles(spec):
        account = bundle.account
        if account.deleted_at is not None and account.deleted_at > NOW - HORIZON:
            during = account.deleted_at + timedelta(seconds=1)
            assert not [i for i in flow_items(bundle, during) if i.external_id == account.id]
            if account.restored_at is not None and account.restored_at <= later:
                assert [i for i in flow_items(bundle, later) if i.external_id == account.id]
                checked["restored"] += 1
        for invoice in bundle.erp_invoices:
            if invoice.committed_at is not None:
                before = invoice.committed_at - timedelta(seconds=1)
                assert not invoice.visible(before) and invoice.created < before
                checked["late"] += 1
            if invoice.relinks:
                [(at, right)] = invoice.relinks
                assert invoice.link(at - timedelta(seconds=1)) != right == invoice.link(at)
                checked["re-pointed"] += 1
        for customer in bundle.erp_customers + bundle.billing_customers:
            if customer.deleted_at is not None and customer.deleted_at <= later:
                gone = {ref.id for ref in customers(bundle, customer.deleted_at)}
                assert customer.id not in gone
                checked["deleted customers"] += 1
    assert set(checked) == {"restored", "late", "re-pointed", "deleted customers"}, checked
    first, last = (build_manifest(spec, now=at) for at in (NOW, later))
    assert first["exceptions"] != last["exceptions"]
