"""The integration page's failing-record groups and their drill-down, against a real store.

A small store with one record per rule (still failing, cleared by a later success or retry,
already in the ERP, outside the time range, failing in two flows, no error code) pins what the
grouping counts; the seeded sandbox world is checked against an independent formulation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import psycopg
import pytest
import streamlit as st

from app.queries import error_groups
from app.queries.core import Window
from core.database import Database
from core.roles import Identity, NotAllowedError
from core.store.events import LogEventRow
from metrics.flows import FLOWS
from tests.app.error_group_truth import Group, expected_groups
from tests.metrics.fixtures import NOW, Store

IVAN = Identity("ivan", frozenset({"integration"}))
ALL_FLOWS: list[str] = list(FLOWS)
WEEK = Window(until=NOW, span=timedelta(days=7))
D = timedelta(days=1)
H = timedelta(hours=1)
_TARGETS = {"account_crm_to_billing": "stripe"}


def fail(
    store: Store,
    source_id: str,
    status: str,
    ts: datetime,
    code: str | None,
    *,
    flow: str = "invoice_billing_to_erp",
    attempt: int = 1,
) -> None:
    """One middleware attempt of ``source_id`` in ``flow``, as the log collector stores it."""
    source = "salesforce" if flow.startswith("account") else "stripe"
    target = _TARGETS.get(flow, "netsuite")
    raw = {"ts": ts.isoformat(), "flow": flow, "source_id": source_id, "status": status,
           "attempt": attempt, "error_code": code}  # fmt: skip
    store.events.append(
        LogEventRow(
            ts=ts, flow=flow, status=status, raw=raw, correlation_id=f"c-{source_id}-{attempt}",
            source_system=source, source_id=source_id, target_system=target, attempt=attempt,
            error_code=code, error_message=None if code is None else f"{code} for {source_id}",
        )
    )  # fmt: skip


@pytest.fixture
def failing_store(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Invoices and accounts whose latest attempts failed, were cleared, or never mattered."""
    s = Store()
    s.customer("stripe", "cus_a", account=None, created=NOW - 9 * D)
    # Failing in the invoice flow (after a retry) and in the payment flow, with one code.
    s.invoice("in_a", finalized=NOW - 3 * D, total=1_000_00, paid=NOW - 2 * D, customer="cus_a")
    fail(s, "in_a", "retrying", NOW - 2 * D, "CONCURRENCY_LIMIT_EXCEEDED")
    fail(s, "in_a", "failed", NOW - 2 * D + H, "INVALID_KEY_OR_REF", attempt=2)
    fail(s, "in_a", "failed", NOW - D, "INVALID_KEY_OR_REF", flow="payment_billing_to_erp")
    s.invoice("in_b", finalized=NOW - 3 * D, total=500_00, currency="EUR")
    fail(s, "in_b", "failed", NOW - 2 * D, "INVALID_KEY_OR_REF")
    # In the ERP already: a duplicate refused is no open failure.
    s.invoice("in_c", finalized=NOW - 3 * D, total=200_00)
    s.erp_invoice("in_c", created=NOW - 3 * D + H, total=200_00)
    fail(s, "in_c", "failed", NOW - D, "DUP_RCRD")
    # Cleared by a later success, and by a later retry.
    s.invoice("in_d", finalized=NOW - 3 * D, total=300_00)
    fail(s, "in_d", "failed", NOW - 2 * D, "INSUFFICIENT_PERMISSION")
    fail(s, "in_d", "success", NOW - D, None, attempt=2)
    s.invoice("in_e", finalized=NOW - 3 * D, total=400_00)
    fail(s, "in_e", "failed", NOW - 2 * D, "UNEXPECTED_ERROR")
    fail(s, "in_e", "retrying", NOW - D, "UNEXPECTED_ERROR", attempt=2)
    # Dead-lettered, in a zero-decimal currency.
    s.invoice("in_f", finalized=NOW - 2 * H, total=50_000, currency="JPY")
    fail(s, "in_f", "dead_letter", NOW - H, "CONCURRENCY_LIMIT_EXCEEDED")
    # Failing since before the week.
    s.invoice("in_g", finalized=NOW - 12 * D, total=700_00)
    fail(s, "in_g", "failed", NOW - 10 * D, "INVALID_KEY_OR_REF")
    # No error code at all.
    s.invoice("in_h", finalized=NOW - 3 * D, total=800_00)
    fail(s, "in_h", "failed", NOW - 2 * D, None)
    # Accounts: the money is their ARR; one refused by the ERP, one by billing.
    s.account("001A", created=NOW - 5 * D, arr=120_000_00)
    fail(s, "001A", "failed", NOW - D, "UNEXPECTED_ERROR", flow="account_crm_to_erp")
    fail(s, "001A", "failed", NOW - D + H, "resource_missing", flow="account_crm_to_billing")
    s.compute(db)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.delenv("SYNCWATCH_CONFIG", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield db
    st.cache_resource.clear()
    st.cache_data.clear()


def _code(value: object) -> object:
    """An error code as stored (pandas reads a missing text as NaN)."""
    return None if pd.isna(value) else value


def _groups(window: Window = WEEK, flows: list[str] = ALL_FLOWS) -> dict[Any, dict[str, Any]]:
    frame = error_groups.groups(IVAN, window, flows)
    return {(r["system"], _code(r["error_code"])): r for r in frame.to_dict("records")}


@pytest.mark.usefixtures("failing_store")
def test_groups_count_each_still_failing_record_once_with_its_money() -> None:
    groups = _groups()
    assert set(groups) == {
        ("netsuite", "INVALID_KEY_OR_REF"),
        ("netsuite", "CONCURRENCY_LIMIT_EXCEEDED"),
        ("netsuite", "UNEXPECTED_ERROR"),
        ("netsuite", None),
        ("stripe", "resource_missing"),
    }
    invalid = groups[("netsuite", "INVALID_KEY_OR_REF")]
    assert (invalid["records"], invalid["failures"]) == (2, 3)
    assert invalid["amounts"] == {"USD": 1_000_00, "EUR": 500_00}
    assert invalid["flows"] == ["invoice_billing_to_erp", "payment_billing_to_erp"]
    assert invalid["first_seen"] == NOW - 2 * D
    assert invalid["last_seen"] == NOW - D
    assert invalid["latest_message"] == "INVALID_KEY_OR_REF for in_a"
    dead = groups[("netsuite", "CONCURRENCY_LIMIT_EXCEEDED")]
    assert (dead["records"], dead["amounts"]) == (1, {"JPY": 50_000})
    # The account's ARR is the money at stake, in each system that refused it.
    assert groups[("netsuite", "UNEXPECTED_ERROR")]["amounts"] == {"USD": 120_000_00}
    assert groups[("stripe", "resource_missing")]["amounts"] == {"USD": 120_000_00}
    assert groups[("netsuite", None)]["amounts"] == {"USD": 800_00}
    # Largest group first, then the latest failure.
    order = list(error_groups.groups(IVAN, WEEK, ALL_FLOWS)["error_code"])
    assert order[0] == "INVALID_KEY_OR_REF"


@pytest.mark.usefixtures("failing_store")
def test_the_time_range_and_the_filters_narrow_the_groups() -> None:
    month = Window(until=NOW, span=timedelta(days=30))
    invalid = _groups(month)[("netsuite", "INVALID_KEY_OR_REF")]
    assert invalid["records"] == 3
    assert invalid["amounts"] == {"USD": 1_700_00, "EUR": 500_00}
    payments = _groups(Window(until=NOW, span=timedelta(days=7), flow="payment_billing_to_erp"))
    assert list(payments) == [("netsuite", "INVALID_KEY_OR_REF")]
    assert payments[("netsuite", "INVALID_KEY_OR_REF")]["amounts"] == {"USD": 1_000_00}
    crm = _groups(Window(until=NOW, span=timedelta(days=7), system="salesforce"))
    assert set(crm) == {("netsuite", "UNEXPECTED_ERROR"), ("stripe", "resource_missing")}
    # Before in_f was dead-lettered, it was not failing yet.
    earlier = _groups(Window(until=NOW - 2 * H, span=timedelta(days=7)))
    assert ("netsuite", "CONCURRENCY_LIMIT_EXCEEDED") not in earlier


@pytest.mark.usefixtures("failing_store")
def test_the_drill_down_lists_the_groups_records_largest_first() -> None:
    rows = error_groups.records(IVAN, WEEK, ALL_FLOWS, "netsuite", "INVALID_KEY_OR_REF")
    listed = [
        (r["flow"], r["source_id"], r["amount_minor"], r["currency"], r["failed_at"], r["attempt"])
        for r in rows.to_dict("records")
    ]
    assert listed == [
        ("payment_billing_to_erp", "in_a", 1_000_00, "USD", NOW - D, 1),
        ("invoice_billing_to_erp", "in_a", 1_000_00, "USD", NOW - 2 * D + H, 2),
        ("invoice_billing_to_erp", "in_b", 500_00, "EUR", NOW - 2 * D, 1),
    ]
    first = rows.iloc[0]
    assert (first["object_type"], first["source_system"], first["status"]) == (
        "invoice", "stripe", "failed"
    )  # fmt: skip
    assert first["correlation_id"] == "c-in_a-1"
    uncoded = error_groups.records(IVAN, WEEK, ALL_FLOWS, "netsuite", None)
    assert list(uncoded["source_id"]) == ["in_h"]
    account = error_groups.records(IVAN, WEEK, ALL_FLOWS, "stripe", "resource_missing")
    assert list(zip(account["object_type"], account["record_name"], strict=True)) == [
        ("account", "Acct 001A")
    ]


def test_groups_and_records_refuse_without_the_role() -> None:
    for who in (None, Identity("fiona", frozenset({"finance"}))):
        with pytest.raises(NotAllowedError):
            error_groups.groups(who, WEEK, ALL_FLOWS)
        with pytest.raises(NotAllowedError):
            error_groups.records(who, WEEK, ALL_FLOWS, "netsuite", "DUP_RCRD")


def test_seeded_groups_equal_an_independent_count(app_env: Database) -> None:
    month = Window(until=NOW, span=timedelta(days=30))
    with psycopg.connect(app_env.url) as conn:
        expected = expected_groups(conn, month)
    frame = error_groups.groups(IVAN, month, ALL_FLOWS)
    shown = {
        (r["system"], _code(r["error_code"])): Group(r["failures"], r["records"], r["amounts"])
        for r in frame.to_dict("records")
    }
    assert shown == expected and len(expected) > 1
    top = frame.iloc[0]
    code = None if pd.isna(top["error_code"]) else str(top["error_code"])
    listed = error_groups.records(IVAN, month, ALL_FLOWS, str(top["system"]), code)
    assert len(listed) == top["failures"]
    assert listed["source_id"].nunique() == top["records"]
    assert listed["customer_name"].notna().all()
