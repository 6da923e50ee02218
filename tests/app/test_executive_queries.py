"""The executive page's reads against a real store: money at risk now and a week ago (each
record once), new and fixed, the largest risks, each problem's money and the weekly SLA
attainment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import psycopg
import pytest

from app.money_rank import rank_by_value
from app.queries import executive
from app.queries.core import Frame, Query, Window, run
from app.risk_table import problem, problem_money_view
from app.views import missing, words
from core.database import Database
from core.display import MISSING
from core.fx.rates import RateDay
from core.store.records import CanonicalRecord, upsert_records
from metrics.exception_teams import INTEGRATION_ORDER, PROBLEM_ORDER, TEAM_ITEMS
from metrics.open_money import RISK_PARAMS
from testkit.dashboard_store import NOW

D = timedelta(days=1)
WINDOW = Window(until=NOW, span=7 * D)


def add_item(
    conn: psycopg.Connection[Any],
    metric: str,
    record: tuple[str, str, str],
    amount: int | None,
    currency: str | None,
    *,
    found: datetime,
    resolved: datetime | None = None,
    labels: dict[str, str] | None = None,
    owner: str = "finance",
) -> None:
    """One exception item of ``record`` (system, object type, id), as the compute stores it."""
    system, object_type, external_id = record
    conn.execute(
        "INSERT INTO exception_item (fingerprint, metric, labels, system, object_type, "
        "external_id, amount_minor, currency, owner, since, first_seen, last_seen, resolved_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (f"{metric}/{external_id}/{json.dumps(labels)}", metric, json.dumps(labels or {}),
         system, object_type, external_id, amount, currency, owner, found - D, found,
         resolved or NOW, resolved),
    )  # fmt: skip


INVOICE_A = ("stripe", "invoice", "in_A")
ACCOUNT_B = ("salesforce", "account", "acc_B")
INVOICE_D = ("stripe", "invoice", "in_D")
INVOICE_E = ("stripe", "invoice", "in_E")


@pytest.fixture
def risks(db: Database) -> Iterator[psycopg.Connection[Any]]:
    """A store with a few records at risk now, a week ago, or never."""
    with db.connection() as conn:
        # A: failed to post ten days ago and past its SLA: one risk of $1,000, then and now.
        add_item(conn, "posting_failures", INVOICE_A, 1_000_00, "USD", found=NOW - 10 * D)
        add_item(conn, "sla_breaches", INVOICE_A, 1_000_00, "USD", found=NOW - 10 * D,
                 labels={"flow": "invoice_billing_to_erp"})  # fmt: skip
        # B: an account without a customer in both systems, found three days ago: €500, new.
        for system in ("netsuite", "stripe"):
            add_item(conn, "unmatched_accounts", ACCOUNT_B, 500_00, "EUR", found=NOW - 3 * D,
                     labels={"system": system}, owner="revops")  # fmt: skip
        # D: missing from the ERP ten days ago, resolved two days ago: fixed this week.
        add_item(conn, "silent_misses", INVOICE_D, 300_00, "USD", found=NOW - 10 * D,
                 resolved=NOW - 2 * D)  # fmt: skip
        # E: totals differ by ¥200,000 (ERP lower), found yesterday: new.
        add_item(conn, "amount_mismatches", INVOICE_E, -200_000, "JPY", found=NOW - D)
        # Not risks: late but retrying, not yet due, a clock skew, and one resolved before the
        # week began.
        add_item(conn, "sla_breaches", ("stripe", "invoice", "in_L"), 5_000_00, "USD",
                 found=NOW - D, labels={"flow": "invoice_billing_to_erp"})  # fmt: skip
        add_item(conn, "sync_backlog", ("stripe", "invoice", "in_C"), 9_999_00, "USD",
                 found=NOW - D, labels={"flow": "invoice_billing_to_erp"})  # fmt: skip
        add_item(conn, "clock_skew_items", ("stripe", "invoice", "in_F"), 50_00, "USD",
                 found=NOW - D, labels={"flow": "invoice_billing_to_erp"})  # fmt: skip
        add_item(conn, "posting_failures", ("stripe", "invoice", "in_G"), 200_00, "USD",
                 found=NOW - 20 * D, resolved=NOW - 10 * D)  # fmt: skip
        upsert_records(
            conn,
            [
                CanonicalRecord("stripe", "customer", "cus_1", {}, name="Harbor Health LLC"),
                CanonicalRecord(
                    "stripe", "invoice", "in_A", {}, name="INV-0001", parent_ref="cus_1"
                ),
                CanonicalRecord("salesforce", "account", "acc_B", {}, name="Birch GmbH"),
            ],
            at=NOW,
        )
        conn.commit()
        yield conn


def read(conn: psycopg.Connection[Any], query: Query, **params: Any) -> Frame:
    return run(conn, query.sql, WINDOW.params(**{**RISK_PARAMS, **params}))


def test_money_at_risk_counts_each_record_once_now_and_a_week_ago(
    risks: psycopg.Connection[Any],
) -> None:
    totals = read(risks, executive.RISK_TOTALS)
    assert totals.to_dict("records") == [
        {"currency": "EUR", "records": 1, "amount_minor": 500_00, "records_before": 0,
         "amount_before": 0, "new": 1, "fixed": 0},
        {"currency": "JPY", "records": 1, "amount_minor": 200_000, "records_before": 0,
         "amount_before": 0, "new": 1, "fixed": 0},
        {"currency": "USD", "records": 1, "amount_minor": 1_000_00, "records_before": 2,
         "amount_before": 1_300_00, "new": 0, "fixed": 1},
    ]  # fmt: skip


def test_the_system_filter_keeps_an_account_missing_in_that_system(
    risks: psycopg.Connection[Any],
) -> None:
    netsuite = read(risks, executive.RISK_TOTALS, system="netsuite")
    assert list(netsuite["currency"]) == ["EUR"]
    stripe = read(risks, executive.RISK_TOTALS, system="stripe")
    assert list(stripe["currency"]) == ["EUR", "JPY", "USD"]


def test_the_largest_risks_rank_by_their_value_with_names_and_problems(
    risks: psycopg.Connection[Any],
) -> None:
    found = read(risks, executive.RISKS, **executive.risk_params(["EUR", "JPY", "USD"]))
    day = RateDay(date(2026, 11, 20), {"USD": Decimal("1.0825"), "JPY": Decimal("162.50")})
    ranked = rank_by_value(found, day, "USD")
    assert [
        (r["external_id"], r["converted_minor"], problem(r["metrics"]), words(r["customer_name"]))
        for r in ranked.to_dict("records")
    ] == [
        ("in_E", 1_332_31, "Amount mismatch", MISSING),
        ("in_A", 1_000_00, "Invoice failed to post", "Harbor Health LLC"),
        ("acc_B", 541_25, "Account without customer", "Birch GmbH"),
    ]
    assert ranked.loc[1, "record_name"] == "INV-0001"
    assert ranked.loc[1, "since"] == NOW - 11 * D
    # Without a yen rate the mismatch cannot be compared: it follows the others.
    dollars_only = RateDay(day.rate_date, {"USD": Decimal("1.0825")})
    assert list(rank_by_value(found, dollars_only, "USD")["external_id"]) == [
        "in_A", "acc_B", "in_E",
    ]  # fmt: skip


def test_only_open_business_problems_are_risks(risks: psycopg.Connection[Any]) -> None:
    # The finance and RevOps teams' problems, most telling first; lateness alone is none.
    assert set(PROBLEM_ORDER) == {*TEAM_ITEMS["finance"], *TEAM_ITEMS["revops"]}
    assert set(INTEGRATION_ORDER) == set(TEAM_ITEMS["integration"])
    found = read(risks, executive.RISKS, **executive.risk_params(["USD"]))
    assert list(found["external_id"]) == ["in_A"]
    assert list(found.loc[0, "metrics"]) == ["posting_failures"]


def test_each_problem_s_money_is_its_latest_amount_per_currency_and_system() -> None:
    money = pd.DataFrame(
        {
            "name": ["posting_failures_amount", "unmatched_accounts_arr",
                     "unmatched_accounts_arr", "stuck_amendments_amount"],
            "labels": [{"currency": "USD"}, {"system": "netsuite", "currency": "EUR"},
                       {"system": "stripe", "currency": "EUR"}, {"currency": "GBP"}],
            "value": [1_000_00.0, 500_00.0, 0.0, 12_00.0],
        }
    )  # fmt: skip
    view = problem_money_view(money)
    assert [tuple(r) for r in view.itertuples(index=False)] == [
        ("Invoice failed to post", "USD", 1_000_00.0),
        ("Account without customer in NetSuite", "EUR", 500_00.0),
        ("Stuck amendment", "GBP", 12_00.0),
    ]


def add_points(conn: psycopg.Connection[Any], flow: str, points: dict[datetime, float]) -> int:
    row = conn.execute(
        "INSERT INTO metric_series (name, labels, unit) VALUES ('sla_attainment', %s, 'ratio') "
        "RETURNING id",
        (json.dumps({"flow": flow}),),
    ).fetchone()
    assert row is not None
    for ts, value in points.items():
        conn.execute(
            "INSERT INTO metric_point (series_id, ts, value) VALUES (%s, %s, %s)",
            (row[0], ts, value),
        )
    return int(row[0])


def test_attainment_is_each_flow_s_mean_this_week_and_last(db: Database) -> None:
    with db.connection() as conn:
        invoices = add_points(conn, "invoice_billing_to_erp",
                              {NOW: 0.9, NOW - D: 0.8, NOW - 8 * D: 0.5})  # fmt: skip
        # The hour of yesterday's point is rolled up from two points: the rollup counts, once.
        conn.execute(
            "INSERT INTO metric_rollup (series_id, resolution, bucket, min, max, sum, count, "
            "last) VALUES (%s, '1h', %s, 0.7, 0.9, 1.6, 2, 0.9)",
            (invoices, NOW - D),
        )
        add_points(conn, "payment_billing_to_erp", {NOW - 7 * D: 1.0})
        conn.commit()
        weeks = run(conn, executive.ATTAINMENT.sql, WINDOW.params())
        only_invoices = run(
            conn, executive.ATTAINMENT.sql, WINDOW.params(flow="invoice_billing_to_erp")
        )
    rows = {r["flow"]: (r["this_week"], r["last_week"]) for r in weeks.to_dict("records")}
    assert rows["invoice_billing_to_erp"] == (pytest.approx((0.9 + 1.6) / 3), 0.5)
    # A point exactly a week before the latest compute belongs to last week.
    this_week, last_week = rows["payment_billing_to_erp"]
    assert missing(this_week) and last_week == 1.0
    assert list(only_invoices["flow"]) == ["invoice_billing_to_erp"]
