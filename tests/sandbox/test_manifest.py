"""The ground-truth manifest: a hand-built world with every number worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.generator import WorldSpec, iter_bundles
from sandbox.manifest import age_bucket, build_manifest, manifest_from_bundles
from sandbox.model import (
    AccountBundle,
    AmendmentQuote,
    AppliedAmendment,
    BillingCustomer,
    BillingInvoice,
    BillingSubscription,
    CrmAccount,
    ErpCustomer,
    ErpInvoice,
    FlowName,
    LogEvent,
    LogStatus,
)
from sandbox.profile import Profile, load_profile
from sandbox.selection import malformed
from sandbox.truth_flows import percentile_cont

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def _log(
    ts: datetime, flow: FlowName, source: str, status: LogStatus, attempt: int = 1
) -> LogEvent:
    return LogEvent(
        ts, flow, f"corr-{source}-{flow}", "x", source, "y", None, status, attempt, None, None, 10
    )


def _bundles() -> list[AccountBundle]:
    # A: created 48 h ago, in the ERP an hour later, never in billing.
    a = AccountBundle(CrmAccount("A", "A Inc", None, NOW - 48 * H, 1_200_000, "USD"))
    a.erp_customers = [
        ErpCustomer("1", "CUST1", "A Inc", "A", NOW - 47 * H),
        ErpCustomer("9", "CUST9", "Later", None, NOW + H),  # not there yet: ignored
    ]
    a.invoices = [
        # inA1: finalized 30 min ago, its one posting attempt failed.
        BillingInvoice("inA1", "A-1", "cusA", None, 10_000, "usd", NOW - 40 * M, NOW - 30 * M),
        # inA2: posted 20 min after finalization with a total one cent off, paid and synced.
        BillingInvoice(
            "inA2", "A-2", "cusA", None, 25_000, "usd", NOW - 4 * H, NOW - 3 * H, NOW - 2 * H
        ),
    ]
    a.erp_invoices = [
        ErpInvoice("11", "INV11", "inA2", "1", 24_999, "USD", NOW - 3 * H + 20 * M, NOW - 90 * M)
    ]
    a.log_events = [
        _log(NOW - 24 * H, "account_crm_to_billing", "A", "failed"),  # on the excluded bound
        _log(NOW - 47 * H, "account_crm_to_erp", "A", "success"),  # older than 24 h
        _log(
            NOW - 3 * H + 10 * M + timedelta(milliseconds=250),
            "invoice_billing_to_erp",
            "inA2",
            "retrying",
        ),
        _log(NOW - 3 * H + 20 * M, "invoice_billing_to_erp", "inA2", "success", 2),
        _log(NOW - 90 * M, "payment_billing_to_erp", "inA2", "success"),
        _log(NOW - 90 * M, "payment_billing_to_erp", "inA2", "success"),  # exact replay
        _log(
            NOW - 29 * M + timedelta(milliseconds=500), "invoice_billing_to_erp", "inA1", "failed"
        ),
    ]
    # B: created 2 h ago; its earlier of two ERP customers is stamped before the account.
    b = AccountBundle(CrmAccount("B", "B GmbH", None, NOW - 2 * H, 500_000, "EUR"))
    b.erp_customers = [
        ErpCustomer("2", "CUST2", "B GmbH", "B", NOW - 2 * H + 10 * M),
        ErpCustomer("3", "CUST3", "B GmbH", "B", NOW - 3 * H),
    ]
    b.billing_customers = [BillingCustomer("cusB", "B GmbH", None, "B", NOW - 2 * H + 5 * M)]
    b.amendments = [AmendmentQuote("qB", "B", "800B", 20_000, "EUR", NOW - 6 * H, NOW - 5 * H)]
    b.invoices = [
        # inB1: finalized 48 h ago, never posted, never logged: a silent miss.
        BillingInvoice("inB1", "B-1", "cusB", None, 5_000, "eur", NOW - 49 * H, NOW - 48 * H),
        # Voided and not yet finalized invoices are not eligible.
        BillingInvoice(
            "inB2", "B-2", "cusB", None, 7_000, "eur", NOW - 5 * H, NOW - 4 * H, None, NOW - 3 * H
        ),
        BillingInvoice("inB3", "B-3", "cusB", None, 9_000, "eur", NOW, NOW + H),
    ]
    b.log_events = [
        _log(NOW - 2 * H + 10 * M, "account_crm_to_erp", "B", "success"),
        _log(NOW - 5 * H + 10 * M, "amendment_crm_to_billing", "qB", "retrying"),
        _log(NOW - 5 * H + 30 * M, "amendment_crm_to_billing", "qB", "dead_letter", 2),
    ]
    # C: deleted an hour ago, so its customers are orphans; its amendment still counts.
    c = AccountBundle(
        CrmAccount("C", "C Ltd", None, NOW - 240 * H, 900_000, "GBP", deleted_at=NOW - H)
    )
    c.erp_customers = [ErpCustomer("4", "CUST4", "C Ltd", "C", NOW - 239 * H)]
    c.billing_customers = [BillingCustomer("cusC", "C Ltd", None, "", NOW - 120 * H)]
    c.amendments = [AmendmentQuote("qC", "C", "800C", 30_000, "GBP", NOW - 2 * H, NOW - H)]
    change = AppliedAmendment("evtC", "qC", NOW - 30 * M, 99_000)
    c.subscriptions = [
        BillingSubscription("subC", "cusC", NOW - 100 * H, 75_000, "GBP", "month", None, (change,))
    ]
    c.log_events = [_log(NOW - 30 * M, "amendment_crm_to_billing", "qC", "success")]
    return [a, b, c]


def _metrics(manifest: dict[str, Any]) -> dict[tuple[str, tuple[tuple[str, str], ...]], Any]:
    return {
        (m["name"], tuple(sorted(m["labels"].items()))): m["value"] for m in manifest["metrics"]
    }


def test_hand_built_world_metrics() -> None:
    manifest = manifest_from_bundles(_bundles(), NOW, 1, load_profile("clean"))
    assert manifest["evaluated_at"] == "2024-06-01T12:00:00Z"
    got = _metrics(manifest)

    def f(flow: str) -> tuple[tuple[str, str], ...]:
        return (("flow", flow),)

    erp, bill, amend = "account_crm_to_erp", "account_crm_to_billing", "amendment_crm_to_billing"
    inv, pay = "invoice_billing_to_erp", "payment_billing_to_erp"
    expected: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
    # Lag over items whose source time is in the last 24 h: B (skewed, lag 0) for the ERP
    # flow; B (300 s) for billing; qC 1800 s and qB open 18000 s; inA1 open 1800 s and inA2
    # 1200 s; inA2's payment 1800 s.
    for flow, p50, p95, top, attained in (
        (erp, 0, 0, 0, 1.0),
        (bill, 300, 300, 300, 1.0),
        (amend, 9900, 17190, 18000, 0.5),
        (inv, 1500, 1770, 1800, 1.0),
        (pay, 1800, 1800, 1800, 1.0),
    ):
        for quantile, value in (("p50", p50), ("p95", p95), ("max", top)):
            expected["sync_lag_seconds", (("flow", flow), ("quantile", quantile))] = value
        expected["sla_attainment", f(flow)] = attained
    for flow, backlog, oldest, breaches, skew in (
        (erp, 0, 0, 0, 1),
        (bill, 1, 172800, 1, 0),
        (amend, 1, 18000, 1, 0),
        (inv, 2, 172800, 1, 0),
        (pay, 0, 0, 0, 0),
    ):
        expected["sync_backlog", f(flow)] = backlog
        expected["sync_backlog_oldest_seconds", f(flow)] = oldest
        expected["sla_breaches", f(flow)] = breaches
        expected["clock_skew_items", f(flow)] = skew
    for flow, currency, backlog_amount, breach_amount in (
        (bill, "USD", 1_200_000, 1_200_000),
        (amend, "EUR", 20_000, 20_000),
        (inv, "USD", 10_000, None),
        (inv, "EUR", 5_000, 5_000),
    ):
        labels = (("currency", currency), ("flow", flow))
        expected["sync_backlog_amount", labels] = backlog_amount
        if breach_amount is not None:
            expected["sla_breaches_amount", labels] = breach_amount
    expected["unmatched_accounts", (("system", "netsuite"),)] = 0
    expected["unmatched_accounts", (("system", "stripe"),)] = 1
    expected["unmatched_accounts_arr", (("currency", "USD"), ("system", "stripe"))] = 1_200_000
    expected["orphan_customers", (("system", "netsuite"),)] = 1
    expected["orphan_customers", (("system", "stripe"),)] = 1
    expected["duplicate_customers", (("system", "netsuite"),)] = 2
    expected["duplicate_customers", (("system", "stripe"),)] = 0
    expected["stuck_amendments", ()] = 1
    expected["stuck_amendments_amount", (("currency", "EUR"),)] = 20_000
    for bucket in ("lt_1h", "1h_24h", "1d_7d", "gt_7d"):
        expected["posting_failures", (("age_bucket", bucket),)] = int(bucket == "lt_1h")
        expected["silent_misses", (("age_bucket", bucket),)] = int(bucket == "1d_7d")
        # inA2's payment is applied: no payment is missing.
        expected["payment_posting_failures", (("age_bucket", bucket),)] = 0
        expected["payment_silent_misses", (("age_bucket", bucket),)] = 0
    expected["posting_failures_amount", (("currency", "USD"),)] = 10_000
    expected["silent_misses_amount", (("currency", "EUR"),)] = 5_000
    # inA2: the money is the one cent between billing and the ERP.
    expected["amount_mismatches", ()] = 1
    expected["amount_mismatches_amount", (("currency", "USD"),)] = 1
    # Logs in (now - 24 h, now], the replayed payment line once.
    for flow, attempts, rates, dead in (
        (erp, 1, (0.0, 0.0), 0),
        (bill, 0, None, 0),
        (amend, 3, (1 / 3, 1 / 3), 1),
        (inv, 3, (1 / 3, 1 / 3), 0),
        (pay, 1, (0.0, 0.0), 0),
    ):
        expected["sync_attempts", f(flow)] = attempts
        expected["sync_dead_letters", f(flow)] = dead
        if rates is not None:
            expected["sync_error_rate", f(flow)] = rates[0]
            expected["sync_retry_rate", f(flow)] = rates[1]
    assert got == pytest.approx(expected)
    assert set(got) == set(expected)


def test_hand_built_world_exceptions() -> None:
    manifest = manifest_from_bundles(_bundles(), NOW, 1, load_profile("clean"))
    fields = ("metric", "labels", "system", "object_type", "external_id", "amount_minor")
    rows = [
        (*(e[f] for f in fields), e["currency"], e["first_seen"]) for e in manifest["exceptions"]
    ]
    bill = {"flow": "account_crm_to_billing"}
    amend = {"flow": "amendment_crm_to_billing"}
    inv = {"flow": "invoice_billing_to_erp"}
    ns, st, sf = {"system": "netsuite"}, {"system": "stripe"}, "salesforce"

    def at(stamp: str) -> str:
        return f"2024-{stamp}Z"

    assert rows == [
        ("amount_mismatches", {}, "stripe", "invoice", "inA2", 1, "USD", at("06-01T09:20:00")),
        ("clock_skew_items", {"flow": "account_crm_to_erp"}, sf, "account", "B", 500_000, "EUR",
         at("06-01T09:00:00")),
        ("duplicate_customers", ns, "netsuite", "customer", "2", None, None, at("06-01T10:10:00")),
        ("duplicate_customers", ns, "netsuite", "customer", "3", None, None, at("06-01T09:00:00")),
        ("orphan_customers", ns, "netsuite", "customer", "4", None, None, at("05-22T13:00:00")),
        ("orphan_customers", st, "stripe", "customer", "cusC", None, None, at("05-27T12:00:00")),
        ("posting_failures", {"age_bucket": "lt_1h"}, "stripe", "invoice", "inA1", 10_000, "USD",
         at("06-01T11:31:00.500")),
        ("silent_misses", {"age_bucket": "1d_7d"}, "stripe", "invoice", "inB1", 5_000, "EUR",
         at("05-30T13:00:00")),
        ("sla_breaches", bill, sf, "account", "A", 1_200_000, "USD", at("05-31T12:00:00")),
        ("sla_breaches", amend, sf, "amendment", "qB", 20_000, "EUR", at("06-01T11:00:00")),
        ("sla_breaches", inv, "stripe", "invoice", "inB1", 5_000, "EUR", at("05-30T13:00:00")),
        ("stuck_amendments", {}, sf, "amendment", "qB", 20_000, "EUR", at("06-01T11:00:00")),
        ("sync_backlog", bill, sf, "account", "A", 1_200_000, "USD", at("05-30T12:00:00")),
        ("sync_backlog", amend, sf, "amendment", "qB", 20_000, "EUR", at("06-01T07:00:00")),
        ("sync_backlog", inv, "stripe", "invoice", "inA1", 10_000, "USD", at("06-01T11:30:00")),
        ("sync_backlog", inv, "stripe", "invoice", "inB1", 5_000, "EUR", at("05-30T12:00:00")),
        ("unmatched_accounts", st, sf, "account", "A", 1_200_000, "USD", at("05-31T12:00:00")),
    ]  # fmt: skip
    assert manifest["malformed"] == []


def test_a_difference_within_the_tolerance_is_no_mismatch() -> None:
    clean = load_profile("clean")
    within = _metrics(manifest_from_bundles(_bundles(), NOW, 1, clean, {"USD": 1}))
    assert within["amount_mismatches", ()] == 0
    assert not any(name == "amount_mismatches_amount" for name, _ in within)
    beyond = _metrics(manifest_from_bundles(_bundles(), NOW, 1, clean, {"EUR": 1}))
    assert beyond["amount_mismatches", ()] == 1


def test_links_across_bundles_are_refused() -> None:
    bundles = _bundles()
    bundles[0].billing_customers.append(BillingCustomer("cusX", "X", None, "B", NOW - H))
    with pytest.raises(ValueError, match="'B' is linked from another account's bundle"):
        manifest_from_bundles(bundles, NOW, 1, load_profile("clean"))


def test_percentile_cont_matches_postgres_interpolation() -> None:
    assert percentile_cont([5.0], 0.95) == 5.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile_cont([0.0, 10.0, 20.0, 30.0, 40.0], 0.95) == pytest.approx(38.0)


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [(0, "lt_1h"), (3599.9, "lt_1h"), (3600, "1h_24h"), (86399, "1h_24h"), (86400, "1d_7d"),
     (604799, "1d_7d"), (604800, "gt_7d")],
)  # fmt: skip
def test_age_buckets_have_inclusive_lower_bounds(seconds: float, bucket: str) -> None:
    assert age_bucket(seconds) == bucket


def _spec(profile: Profile, accounts: int = 300) -> WorldSpec:
    return WorldSpec(11, profile.model_copy(update={"accounts": accounts}), NOW)


def test_generated_manifest_is_deterministic_and_sorted() -> None:
    spec = _spec(load_profile("default"))
    first, second = build_manifest(spec), build_manifest(spec)
    assert first == second
    keys = [(m["name"], sorted(m["labels"].items())) for m in first["metrics"]]
    assert keys == sorted(keys)
    order = [
        (e["metric"], sorted(e["labels"].items()), e["system"], e["object_type"], e["external_id"])
        for e in first["exceptions"]
    ]
    assert order == sorted(order)
    later = build_manifest(spec, NOW + timedelta(days=1))
    assert later["evaluated_at"] == "2024-06-02T12:00:00Z"


def test_posting_knobs_reach_the_manifest() -> None:
    clean = load_profile("clean")
    failing = clean.model_copy(
        update={"faults": clean.faults.model_copy(update={"posting_failed": 1.0})}
    )
    got = _metrics(build_manifest(_spec(failing)))
    failures = sum(v for (n, _), v in got.items() if n == "posting_failures")
    assert failures > 0
    assert failures == got["sync_backlog", (("flow", "invoice_billing_to_erp"),)]
    assert sum(v for (n, _), v in got.items() if n == "silent_misses") == 0
    silent = clean.model_copy(
        update={"faults": clean.faults.model_copy(update={"silent_misses": 1.0})}
    )
    got = _metrics(build_manifest(_spec(silent)))
    assert sum(v for (n, _), v in got.items() if n == "posting_failures") == 0
    assert sum(v for (n, _), v in got.items() if n == "silent_misses") > 0


def test_malformed_lists_exactly_the_records_selection_breaks() -> None:
    profile = load_profile("flaky")
    spec = _spec(profile, 100)
    listed = {
        (m["system"], m["object_type"], m["external_id"]) for m in build_manifest(spec)["malformed"]
    }
    expected = set()
    share = profile.transport_for("stripe").malformed
    for bundle in iter_bundles(spec):
        for invoice in bundle.invoices:
            if invoice.created <= NOW and malformed(11, share, "stripe", "invoice", invoice.id):
                expected.add(("stripe", "invoice", invoice.id))
        account = bundle.account
        if malformed(11, share, "salesforce", "Account", account.id) and account.created <= NOW:
            expected.add(("salesforce", "account", account.id))
    assert expected
    assert expected <= listed
    assert {m for m in listed if m[1] in ("invoice", "account") and m[0] != "netsuite"} == expected
