"""Metric edge cases, each on a few hand-written records with a frozen clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.config import ConfigError, Settings, load_settings
from core.database import Database
from metrics.engine import compute
from metrics.matching import confirm_match
from metrics.results import exceptions_document, status_document
from tests.metrics.fixtures import NOW, H, Store, open_items, value

INVOICE = "invoice_billing_to_erp"


def test_lag_exactly_at_the_sla_is_attained_and_one_second_more_breaches(db: Database) -> None:
    s = Store()
    s.invoice("in_posted_at_sla", finalized=NOW - 3 * H)
    s.erp_invoice("in_posted_at_sla", created=NOW - 2 * H)  # lag exactly 1 h = SLA
    s.invoice("in_open_at_sla", finalized=NOW - H)  # open, aged exactly 1 h
    s.invoice("in_open_past_sla", finalized=NOW - H - timedelta(seconds=1))
    e = s.compute(db)
    assert value(e, "sla_attainment", flow=INVOICE) == 2 / 3
    assert value(e, "sla_breaches", flow=INVOICE) == 1
    assert open_items(db, "sla_breaches") == {"in_open_past_sla"}
    assert value(e, "sync_backlog", flow=INVOICE) == 2
    assert value(e, "sync_lag_seconds", flow=INVOICE, quantile="max") == 3601
    assert value(e, "sync_lag_seconds", flow=INVOICE, quantile="p50") == 3600


def test_percentiles_interpolate_linearly(db: Database) -> None:
    s = Store()
    for i, minutes in enumerate((10, 20, 30, 40)):
        s.invoice(f"in_{i}", finalized=NOW - 2 * H)
        s.erp_invoice(f"in_{i}", created=NOW - 2 * H + timedelta(minutes=minutes))
    e = s.compute(db)
    # sorted lags 600, 1200, 1800, 2400: p50 at 1.5 -> 1500; p95 at 2.85 -> 1800 + 0.85 * 600
    assert value(e, "sync_lag_seconds", flow=INVOICE, quantile="p50") == 1500
    assert value(e, "sync_lag_seconds", flow=INVOICE, quantile="p95") == 1800 + 0.85 * 600


def test_deleted_accounts_are_not_eligible_and_their_customers_are_orphans(db: Database) -> None:
    s = Store()
    s.account("001LIVE", created=NOW - 72 * H)
    s.account("001GONE", created=NOW - 72 * H, deleted=True)
    s.customer("netsuite", "10", account="001GONE", created=NOW - 70 * H)
    s.customer("netsuite", "11", account=None, created=NOW - 70 * H)
    e = s.compute(db)
    assert value(e, "unmatched_accounts", system="netsuite") == 1
    assert open_items(db, "unmatched_accounts") == {"001LIVE"}
    assert value(e, "orphan_customers", system="netsuite") == 2
    assert open_items(db, "orphan_customers") == {"10", "11"}


def test_customers_group_by_account_per_system(db: Database) -> None:
    s = Store()
    s.account("001A", created=NOW - 72 * H)
    s.customer("netsuite", "20", account="001A", created=NOW - 60 * H)
    s.customer("netsuite", "21", account="001A", created=NOW - 65 * H)
    s.customer("stripe", "cus_a", account="001A", created=NOW - 60 * H)
    s.account("001B", created=NOW - 72 * H)
    s.customer("netsuite", "22", account="001B", created=NOW - 70 * H)
    s.account("001C", created=NOW - 3 * H)
    s.customer("netsuite", "30", account="001C", created=NOW - 2 * H)
    s.customer("netsuite", "31", account="001C", created=NOW - H)
    s.customer("stripe", "cus_x", account="001NONE", created=NOW - 50 * H)
    s.customer("stripe", "cus_y", account="001NONE", created=NOW - 40 * H)
    s.customer("stripe", "cus_e", account="", created=NOW - 40 * H)
    e = s.compute(db)
    assert value(e, "unmatched_accounts", system="netsuite") == 0
    assert value(e, "unmatched_accounts", system="stripe") == 1
    assert open_items(db, "unmatched_accounts") == {"001B"}
    assert value(e, "orphan_customers", system="netsuite") == 0
    assert open_items(db, "orphan_customers") == {"cus_x", "cus_y", "cus_e"}
    assert value(e, "duplicate_customers", system="netsuite") == 4
    assert value(e, "duplicate_customers", system="stripe") == 2
    with db.connection() as conn:
        sharing = dict(
            conn.execute(
                "SELECT external_id, related->'sharing' FROM exception_item "
                "WHERE metric = 'duplicate_customers' AND resolved_at IS NULL"
            ).fetchall()
        )
        recent = conn.execute(
            "SELECT target_ids, target_time, lag FROM compute_flow_item "
            "WHERE flow = 'account_crm_to_erp' AND external_id = '001C'"
        ).fetchone()
    assert sharing == {
        "20": ["21", "20"],
        "21": ["21", "20"],
        "30": ["30", "31"],
        "31": ["30", "31"],
        "cus_x": ["cus_x", "cus_y"],
        "cus_y": ["cus_x", "cus_y"],
    }
    assert recent == (["30", "31"], NOW - 2 * H, 3600.0)


def test_the_identity_map_overrides_the_link_rule_in_every_account_check(db: Database) -> None:
    s = Store()
    for account in ("001A", "001B", "001C"):
        s.account(account, created=NOW - 72 * H)
    s.account("001GONE", created=NOW - 72 * H, deleted=True)
    s.customer("netsuite", "40", account="001A", created=NOW - 70 * H)
    s.customer("netsuite", "41", account="001B", created=NOW - 69 * H)
    s.customer("netsuite", "42", account="", created=NOW - 68 * H)
    s.customer("netsuite", "43", account="001C", created=NOW - 67 * H)
    s.customer("stripe", "cus_m", account="001NONE", created=NOW - 66 * H)
    s.customer("stripe", "cus_b", account="001B", created=NOW - 66 * H)
    s.customer("stripe", "cus_c", account="001C", created=NOW - 66 * H)
    s.write(db)
    moves = [("netsuite", "40", "001B"), ("netsuite", "42", "001C"),
             ("netsuite", "43", "001GONE"), ("stripe", "cus_m", "001A")]  # fmt: skip
    with db.connection() as conn:
        for system, customer, account in moves:
            confirm_match(conn, system=system, crm_account_id=account, customer_id=customer,
                          actor="rita", at=NOW - H)  # fmt: skip
    e = compute(db, Settings(), NOW)
    # 40 leaves 001A unmatched and shares 001B with 41; 42 gives 001C its customer; 43 names a
    # deleted account; cus_m, whose own link names nothing, reflects 001A.
    assert value(e, "unmatched_accounts", system="netsuite") == 1
    assert value(e, "unmatched_accounts", system="stripe") == 0
    assert open_items(db, "unmatched_accounts") == {"001A"}
    assert value(e, "orphan_customers", system="netsuite") == 1
    assert value(e, "orphan_customers", system="stripe") == 0
    assert open_items(db, "orphan_customers") == {"43"}
    assert value(e, "duplicate_customers", system="netsuite") == 2
    assert value(e, "duplicate_customers", system="stripe") == 0
    with db.connection() as conn:
        sharing = conn.execute(
            "SELECT external_id, related FROM exception_item "
            "WHERE metric = 'duplicate_customers' ORDER BY external_id"
        ).fetchall()
    assert sharing == [
        ("40", {"account_id": "001B", "sharing": ["40", "41"]}),
        ("41", {"account_id": "001B", "sharing": ["40", "41"]}),
    ]
    # A later customer of 001A is read incrementally, identity map and all.
    later = NOW + H
    s2 = Store()
    s2.customer("netsuite", "44", account="001A", created=NOW + H / 2)
    s2.write(db)
    after = compute(db, Settings(), later)
    assert after.incremental
    assert value(after, "unmatched_accounts", system="netsuite") == 0
    assert open_items(db, "orphan_customers") == {"43"}
    assert open_items(db, "duplicate_customers") == {"40", "41"}
    with db.connection() as conn:
        incremental = status_document(conn), exceptions_document(conn)
    compute(db, Settings(), later, full=True)
    with db.connection() as conn:
        assert (status_document(conn), exceptions_document(conn)) == incremental


def test_voided_invoices_are_not_expected_in_the_erp(db: Database) -> None:
    s = Store()
    s.invoice("in_void", finalized=NOW - 48 * H, voided=NOW - 47 * H)
    s.invoice("in_open", finalized=NOW - 48 * H)
    e = s.compute(db)
    assert value(e, "sync_backlog", flow=INVOICE) == 1
    assert open_items(db, "sync_backlog") == {"in_open"}
    assert value(e, "silent_misses", age_bucket="1d_7d") == 1


def test_a_retry_that_later_succeeded_is_not_a_posting_failure(db: Database) -> None:
    s = Store()
    s.invoice("in_recovered", finalized=NOW - 5 * H)
    s.log("in_recovered", "failed", ts=NOW - 5 * H + timedelta(minutes=1))
    s.log("in_recovered", "success", ts=NOW - 5 * H + timedelta(minutes=9), attempt=2)
    s.invoice("in_failing", finalized=NOW - 5 * H)
    s.log("in_failing", "success", ts=NOW - 5 * H + timedelta(minutes=1))
    s.log("in_failing", "dead_letter", ts=NOW - 5 * H + timedelta(minutes=9), attempt=2)
    e = s.compute(db)
    assert value(e, "posting_failures", age_bucket="1h_24h") == 1
    assert open_items(db, "posting_failures") == {"in_failing"}
    assert value(e, "silent_misses", age_bucket="1h_24h") == 0
    assert value(e, "sla_breaches", flow=INVOICE) == 2


def test_duplicate_log_lines_count_once(db: Database) -> None:
    s = Store()
    s.invoice("in_1", finalized=NOW - 2 * H)
    s.log("in_1", "failed", ts=NOW - 2 * H)
    s.events.append(s.events[-1])
    s.log("in_1", "retrying", ts=NOW - H, attempt=2)
    e = s.compute(db)
    assert value(e, "sync_attempts", flow=INVOICE) == 2
    assert value(e, "sync_error_rate", flow=INVOICE) == 0.5
    assert value(e, "sync_retry_rate", flow=INVOICE) == 0.5


def test_money_stays_per_currency(db: Database) -> None:
    s = Store()
    s.invoice("in_usd", finalized=NOW - 30 * H, total=1_234_56, currency="USD")
    s.invoice("in_jpy", finalized=NOW - 30 * H, total=98_000, currency="JPY")
    s.invoice("in_eur", finalized=NOW - 30 * H, total=10_00, currency="EUR")
    s.erp_invoice("in_eur", created=NOW - 29 * H, total=11_00, currency="EUR")
    e = s.compute(db)
    assert value(e, "silent_misses_amount", currency="USD") == 1_234_56
    assert value(e, "silent_misses_amount", currency="JPY") == 98_000
    assert value(e, "amount_mismatches") == 1
    assert value(e, "amount_mismatches_amount", currency="EUR") == 1_00
    assert value(e, "sla_breaches_amount", flow=INVOICE, currency="USD") == 1_234_56


def test_orphan_and_duplicate_customers_carry_their_open_invoices(db: Database) -> None:
    s = Store()
    s.account("001A", created=NOW - 72 * H)
    s.customer("stripe", "cus_orphan", account=None, created=NOW - 70 * H)
    five_hours_ago = NOW - 5 * H
    s.invoice("in_usd", finalized=five_hours_ago, total=300_00, customer="cus_orphan")
    s.invoice("in_usd_old", finalized=NOW - 50 * H, total=50_00, customer="cus_orphan")
    s.invoice(
        "in_eur", finalized=five_hours_ago, total=700_00, currency="EUR", customer="cus_orphan"
    )
    s.invoice("in_paid", finalized=five_hours_ago, paid=NOW - H, customer="cus_orphan")
    s.invoice("in_void", finalized=five_hours_ago, voided=NOW - H, customer="cus_orphan")
    s.invoice("in_paid_later", finalized=five_hours_ago, paid=NOW + H, customer="cus_orphan")
    s.invoice("in_draft", finalized=NOW + 2 * H, created=NOW - H, customer="cus_orphan")
    s.customer("netsuite", "30", account="001A", created=NOW - 60 * H)
    s.customer("netsuite", "31", account="001A", created=NOW - 59 * H)
    s.customer("netsuite", "32", account=None, created=NOW - 59 * H)  # orphan, owes nothing
    s.erp_invoice("in_x", created=NOW - 10 * H, total=80_00, customer="30")
    s.erp_invoice("in_y", created=NOW - 10 * H, total=20_00, paid=NOW - 2 * H, customer="30")
    s.erp_invoice("in_z", created=NOW - 10 * H, total=40_00, paid=NOW + H, customer="31")
    s.erp_invoice("in_w", created=NOW + H, total=10_00, customer="31")  # not yet created
    e = s.compute(db)

    assert value(e, "orphan_customers_amount", system="stripe", currency="USD") == 450_00
    assert value(e, "orphan_customers_amount", system="stripe", currency="EUR") == 700_00
    assert value(e, "orphan_customers_amount", system="netsuite", currency="USD") is None
    assert value(e, "duplicate_customers_amount", system="netsuite", currency="USD") == 120_00
    with db.connection() as conn:
        items = {
            (e["metric"], e["external_id"]): (e["amount_minor"], e["currency"])
            for e in exceptions_document(conn)["exceptions"]
            if e["metric"] in ("orphan_customers", "duplicate_customers")
        }
    assert items == {
        # Owing in two currencies, the item shows the larger balance; the metric has both.
        ("orphan_customers", "cus_orphan"): (700_00, "EUR"),
        ("orphan_customers", "32"): (None, None),
        ("duplicate_customers", "30"): (80_00, "USD"),
        ("duplicate_customers", "31"): (40_00, "USD"),
    }
    # Two hours on, in_z is paid and in_w exists: 31 owes in_w alone.
    later = compute(db, Settings(), NOW + 2 * H)
    assert value(later, "duplicate_customers_amount", system="netsuite", currency="USD") == 90_00


def test_non_utc_and_dst_timestamps_compare_as_instants(db: Database) -> None:
    pacific = ZoneInfo("America/Los_Angeles")
    s = Store()
    # 2026-11-01 is the fall-back day: 01:30 PDT (first) and 01:30 PST are an hour apart.
    finalized = NOW.replace(month=11, day=1, hour=8, minute=0)  # 01:00 PDT
    s.invoice("in_dst", finalized=finalized)
    erp_local = finalized.astimezone(pacific).replace(hour=1, minute=30, fold=1)  # 01:30 PST
    s.erp_invoice("in_dst", created=erp_local)
    e = s.compute(db, now=finalized + 3 * H)
    assert value(e, "sync_lag_seconds", flow=INVOICE, quantile="max") == 90 * 60


def test_a_target_before_its_source_counts_zero_and_is_flagged(db: Database) -> None:
    s = Store()
    s.account("001SKEW", created=NOW - 10 * H)
    s.customer("netsuite", "20", account="001SKEW", created=NOW - 11 * H)
    e = s.compute(db)
    assert value(e, "clock_skew_items", flow="account_crm_to_erp") == 1
    assert open_items(db, "clock_skew_items") == {"001SKEW"}
    assert value(e, "sync_lag_seconds", flow="account_crm_to_erp", quantile="max") == 0


def test_items_that_clear_are_resolved_and_recurring_ones_reopen(db: Database) -> None:
    s = Store()
    s.invoice("in_1", finalized=NOW - 30 * H)
    s.erp_invoice("in_1", created=NOW + 2 * H)
    s.compute(db)
    assert open_items(db, "silent_misses") == {"in_1"}

    s.compute(db, now=NOW + 3 * H)  # the ERP invoice now exists: the item clears
    assert open_items(db, "silent_misses") == set()
    with db.connection() as conn:
        row = conn.execute(
            "SELECT id, status, resolved_at FROM exception_item WHERE metric = 'silent_misses'"
        ).fetchone()
    assert row is not None and row[1:] == ("resolved", NOW + 3 * H)

    s.compute(db, now=NOW + H)  # evaluated before the ERP invoice again: the item recurs
    with db.connection() as conn:
        again = conn.execute(
            "SELECT id, status, resolved_at, first_seen FROM exception_item "
            "WHERE metric = 'silent_misses'"
        ).fetchall()
    assert again == [(row[0], "open", None, NOW)]


def test_an_invoice_posted_twice_lists_both_and_compares_the_earliest(db: Database) -> None:
    s = Store()
    # Posted and paid twice in the ERP, the first posting stamped before the billing invoice.
    s.invoice("in_twice", finalized=NOW - 50 * H, total=500_00, paid=NOW - 40 * H)
    first = s.erp_invoice("in_twice", created=NOW - 51 * H, total=400_00, paid=NOW - 30 * H)
    second = s.erp_invoice("in_twice", created=NOW - 49 * H, total=500_00, paid=NOW - 39 * H)
    e = s.compute(db)
    assert value(e, "amount_mismatches") == 1  # the earliest posting differs, days ago
    assert value(e, "clock_skew_items", flow=INVOICE) == 1
    assert value(e, "clock_skew_items", flow="payment_billing_to_erp") == 0
    assert value(e, "sync_backlog", flow="payment_billing_to_erp") == 0
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT metric, related FROM exception_item WHERE resolved_at IS NULL ORDER BY 1"
        ).fetchall()
    assert rows == [
        ("amount_mismatches", {"netsuite_invoice": first, "billing_amount_minor": 500_00,
                               "billing_currency": "USD", "erp_amount_minor": 400_00,
                               "erp_currency": "USD"}),
        ("clock_skew_items", {"target_system": "netsuite", "target_ids": [first, second],
                              "source_time": (NOW - 50 * H).isoformat(),
                              "target_time": (NOW - 51 * H).isoformat()}),
    ]  # fmt: skip


TOLERANT = Settings.model_validate(
    {"metrics": {"mismatch_tolerance": {"default": 0, "USD": 0.01, "JPY": 1, "KWD": 0.005}}}
)


def test_a_difference_within_the_tolerance_is_no_mismatch(db: Database) -> None:
    s = Store()
    for id_, total, erp_total, currency, erp_currency in (
        ("in_usd_at", 100_00, 99_99, "USD", "USD"),  # exactly one cent: within
        ("in_usd_over", 100_00, 100_02, "USD", "USD"),  # the ERP holds two cents more
        ("in_jpy_at", 1_000, 999, "JPY", "JPY"),  # one yen, JPY has no minor unit
        ("in_jpy_over", 1_000, 1_002, "JPY", "JPY"),
        ("in_kwd_at", 12_345, 12_340, "KWD", "KWD"),  # 0.005 KWD: three decimals
        ("in_kwd_over", 12_345, 12_339, "KWD", "KWD"),
        ("in_eur", 10_00, 10_01, "EUR", "EUR"),  # the default: exact
        ("in_gbp", 50_00, 50_00, "GBP", "USD"),  # booked in another currency
    ):
        s.invoice(id_, finalized=NOW - 5 * H, total=total, currency=currency)
        s.erp_invoice(id_, created=NOW - 4 * H, total=erp_total, currency=erp_currency)
    e = s.compute(db, settings=TOLERANT)
    assert value(e, "amount_mismatches") == 5
    # The money is the size of each difference, per billing currency.
    for currency, amount in (("USD", 2), ("JPY", 2), ("KWD", 6), ("EUR", 1), ("GBP", 50_00)):
        assert value(e, "amount_mismatches_amount", currency=currency) == amount, currency
    with db.connection() as conn:
        items = exceptions_document(conn, metric="amount_mismatches")["exceptions"]
    # Largest first by size; the item carries the signed difference and both totals.
    assert [(i["external_id"], i["amount_minor"], i["currency"]) for i in items] == [
        ("in_gbp", 50_00, "GBP"),
        ("in_kwd_over", 6, "KWD"),
        ("in_jpy_over", -2, "JPY"),
        ("in_usd_over", -2, "USD"),
        ("in_eur", -1, "EUR"),
    ]
    totals = {
        i["external_id"]: {k: v for k, v in i["related"].items() if k != "netsuite_invoice"}
        for i in items
    }
    assert totals["in_usd_over"] == {
        "billing_amount_minor": 100_00,
        "billing_currency": "USD",
        "erp_amount_minor": 100_02,
        "erp_currency": "USD",
    }
    assert totals["in_gbp"] == {"billing_amount_minor": 50_00, "billing_currency": "GBP",
                                "erp_amount_minor": 50_00, "erp_currency": "USD"}  # fmt: skip

    exact = compute(db, Settings(), NOW)
    assert not exact.incremental  # another tolerance: nothing of the last compute is reused
    assert value(exact, "amount_mismatches") == 8  # every difference counts when exact
    assert value(exact, "amount_mismatches_amount", currency="KWD") == 5 + 6


def test_tolerances_are_major_units_checked_against_the_currency(tmp_path: Path) -> None:
    assert TOLERANT.metrics.tolerance_minor("usd") == 1
    assert TOLERANT.metrics.tolerance_minor("EUR") == 0
    coarse = Settings.model_validate({"metrics": {"mismatch_tolerance": {"default": 0.01}}})
    # A default finer than a currency's minor unit rounds down: no yen difference is that small.
    assert [coarse.metrics.tolerance_minor(c) for c in ("USD", "JPY", "KWD")] == [1, 0, 10]
    for tolerances, message in (
        ("{USD: 0.001}", "0.001 has more decimals than USD allows"),
        ("{JPY: 0.5}", "0.5 has more decimals than JPY allows"),
        ("{default: -1}", "default: must be zero or a positive amount"),
        ("{dollars: 1}", "'dollars' is not 'default' or an ISO 4217 currency code"),
        ("{usd: 1, USD: 2}", "USD: USD is given twice"),
    ):
        path = tmp_path / "syncwatch.yaml"
        path.write_text(f"metrics:\n  mismatch_tolerance: {tolerances}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_settings(path)
        assert "metrics.mismatch_tolerance" in str(info.value), info.value
        assert message in str(info.value), info.value


PAYMENT = "payment_billing_to_erp"


def test_payment_posting_failures_and_silent_misses(db: Database) -> None:
    s = Store()
    # Posted; its payment failed in the middleware and is not applied.
    s.invoice("in_pay_failed", finalized=NOW - 50 * H, paid=NOW - 30 * H, total=300_00)
    s.erp_invoice("in_pay_failed", created=NOW - 49 * H, total=300_00)
    s.log("in_pay_failed", "success", ts=NOW - 49 * H)
    s.log("in_pay_failed", "failed", ts=NOW - 29 * H, flow=PAYMENT)
    # Failed, then applied: a failure only until NetSuite marks the invoice paid.
    s.invoice("in_pay_recovered", finalized=NOW - 50 * H, paid=NOW - 30 * H)
    s.erp_invoice("in_pay_recovered", created=NOW - 49 * H, paid=NOW - 20 * H)
    s.log("in_pay_recovered", "failed", ts=NOW - 29 * H, flow=PAYMENT)
    s.log("in_pay_recovered", "success", ts=NOW - 20 * H, attempt=2, flow=PAYMENT)
    # Never attempted: a silent miss once its 24 h SLA has passed, though the invoice posted.
    s.invoice(
        "in_pay_never", finalized=NOW - 50 * H, paid=NOW - 30 * H, total=7_000, currency="JPY"
    )
    s.erp_invoice("in_pay_never", created=NOW - 49 * H, total=7_000, currency="JPY")
    s.log("in_pay_never", "success", ts=NOW - 49 * H)
    s.invoice("in_pay_young", finalized=NOW - 5 * H, paid=NOW - 2 * H)
    s.erp_invoice("in_pay_young", created=NOW - 4 * H)
    # Never posted at all: an invoice silent miss, and its payment's failed attempt counts too.
    s.invoice("in_unposted", finalized=NOW - 50 * H, paid=NOW - 40 * H, total=90_00)
    s.log("in_unposted", "failed", ts=NOW - 39 * H, flow=PAYMENT)

    before = s.compute(db, now=NOW - 25 * H)
    assert value(before, "payment_posting_failures", age_bucket="1h_24h") == 3
    assert open_items(db, "payment_posting_failures") == {
        "in_pay_failed", "in_pay_recovered", "in_unposted"
    }  # fmt: skip

    e = s.compute(db)
    assert value(e, "payment_posting_failures", age_bucket="1d_7d") == 2
    assert value(e, "payment_posting_failures_amount", currency="USD") == 300_00 + 90_00
    assert open_items(db, "payment_posting_failures") == {"in_pay_failed", "in_unposted"}
    assert value(e, "payment_silent_misses", age_bucket="1d_7d") == 1
    assert value(e, "payment_silent_misses_amount", currency="JPY") == 7_000
    assert open_items(db, "payment_silent_misses") == {"in_pay_never"}
    assert value(e, "sync_backlog", flow=PAYMENT) == 4  # the young payment waits within its SLA
    # Payment lines say nothing about posting the invoice, and the reverse.
    assert open_items(db, "silent_misses") == {"in_unposted"}
    assert value(e, "posting_failures", age_bucket="1d_7d") == 0
    with db.connection() as conn:
        (since,) = {
            i["since"]
            for i in exceptions_document(conn, metric="payment_silent_misses")["exceptions"]
        }
        recovered = conn.execute(
            "SELECT status FROM exception_item WHERE metric = 'payment_posting_failures' "
            "AND external_id = 'in_pay_recovered'"
        ).fetchone()
    assert since == "2026-11-20T06:00:00Z"  # paid 30 h ago, plus its 24 h SLA
    assert recovered == ("resolved",)

    without_payments = Settings.model_validate({"flows": {PAYMENT: {"enabled": False}}})
    off = compute(db, without_payments, NOW)
    assert value(off, "payment_posting_failures", age_bucket="1d_7d") is None
    assert open_items(db, "payment_silent_misses") == set()
