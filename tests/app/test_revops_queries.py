"""The RevOps page's reads and decisions against a real store: each gap with its money and best
match, totals that count an account once, and a confirm or reject recorded and audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import streamlit as st

from app import actions
from app.queries import revops
from app.queries.core import Window, run
from app.views import missing
from core.config import Settings
from core.database import Database
from core.roles import Identity, NotAllowedError
from core.store.records import CanonicalRecord, upsert_records
from metrics.engine import compute
from metrics.matching import refresh_suggestions
from tests.metrics.fixtures import NOW, Store

D = timedelta(days=1)
RORY = Identity("rory", frozenset({"revops"}))
WINDOW = Window(until=NOW, span=7 * D)
DECIDED = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)


def customer(system: str, id_: str, name: str, account: str | None) -> CanonicalRecord:
    return CanonicalRecord(system, "customer", id_, {"id": id_}, name=name, account_ref=account,
                           created_at=NOW - 5 * D, updated_at=NOW - 5 * D)  # fmt: skip


@pytest.fixture
def gaps_store(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Accounts without customers, an orphan that is one of them by name, duplicates and an
    orphan owing money; computed, with suggestions; the app pointed at it."""
    world = Store()
    world.account("A1", created=NOW - 10 * D, arr=120_000_00)  # named "Acct A1"
    world.account("A2", created=NOW - 10 * D, arr=200_000_00, currency="EUR")
    world.account("A3", created=NOW - 10 * D, arr=10_000_00)
    world.customer("stripe", "cus_A2", account="A2", created=NOW - 9 * D)
    world.customer("stripe", "cus_A3a", account="A3", created=NOW - 9 * D)
    world.customer("stripe", "cus_A3b", account="A3", created=NOW - 9 * D)
    world.customer("stripe", "cus_gone", account="A_deleted", created=NOW - 9 * D)
    world.invoice("in_gone", finalized=NOW - 2 * D, total=50_00, customer="cus_gone")
    world.write(db)
    with db.connection() as conn, conn.transaction():
        # A NetSuite customer with A1's name but no link key: an orphan, and A1's best match.
        upsert_records(conn, [customer("netsuite", "901", "Acct A1", None)], at=NOW)
    compute(db, Settings(), NOW)
    with db.connection() as conn:
        refresh_suggestions(conn, NOW)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.delenv("SYNCWATCH_CONFIG", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield db
    st.cache_resource.clear()
    st.cache_data.clear()


def gap_rows(window: Window = WINDOW) -> dict[tuple[str, str, str], dict[str, object]]:
    """The open gaps by (problem, system, record id), for the currencies the totals found."""
    codes = revops.currencies(revops.totals(RORY, window), revops.ACCOUNT_ITEMS)
    return {
        (str(r["metric"]), str(r["gap_system"]), str(r["external_id"])): r
        for r in revops.gaps(RORY, window, codes).to_dict("records")
    }


def test_each_gap_has_its_money_and_best_match(gaps_store: Database) -> None:
    rows = gap_rows()
    assert set(rows) == {
        ("unmatched_accounts", "netsuite", "A1"), ("unmatched_accounts", "stripe", "A1"),
        ("unmatched_accounts", "netsuite", "A2"), ("unmatched_accounts", "netsuite", "A3"),
        ("orphan_customers", "netsuite", "901"), ("orphan_customers", "stripe", "cus_gone"),
        ("duplicate_customers", "stripe", "cus_A3a"), ("duplicate_customers", "stripe", "cus_A3b"),
    }  # fmt: skip
    a1 = rows["unmatched_accounts", "netsuite", "A1"]
    assert (a1["amount_minor"], a1["currency"], a1["customer_name"]) == (
        120_000_00,
        "USD",
        "Acct A1",
    )
    assert (a1["match_customer_id"], a1["match_customer_name"], a1["match_method"]) == (
        "901", "Acct A1", "name",
    )  # fmt: skip
    assert a1["match_score"] == pytest.approx(0.95)
    # The orphan's best match is the account, the other way round.
    orphan = rows["orphan_customers", "netsuite", "901"]
    assert (orphan["match_account_id"], orphan["match_account_name"]) == ("A1", "Acct A1")
    assert missing(orphan["amount_minor"])
    owing = rows["orphan_customers", "stripe", "cus_gone"]
    assert (owing["amount_minor"], owing["currency"]) == (50_00, "USD")
    assert missing(rows["unmatched_accounts", "stripe", "A1"]["match_score"])
    assert rows["unmatched_accounts", "netsuite", "A2"]["currency"] == "EUR"


def test_an_account_missing_in_two_systems_counts_once_with_its_arr(
    gaps_store: Database,
) -> None:
    accounts = revops.accounts(RORY, WINDOW)
    assert [tuple(r) for r in accounts.itertuples(index=False)] == [
        ("EUR", 1, 200_000_00),
        ("USD", 2, 130_000_00),
    ]


def test_totals_are_each_problem_s_count_per_system_and_money_per_currency(
    gaps_store: Database,
) -> None:
    totals = revops.totals(RORY, WINDOW)
    figures = {
        (r["name"], r["labels"].get("system"), r["labels"].get("currency")): r["value"]
        for r in totals.to_dict("records")
    }
    assert figures[("unmatched_accounts", "netsuite", None)] == 3
    assert figures[("unmatched_accounts", "stripe", None)] == 1
    assert figures[("duplicate_customers", "stripe", None)] == 2
    assert figures[("orphan_customers_amount", "stripe", "USD")] == 50_00
    assert revops.currencies(totals, revops.ACCOUNT_ITEMS) == ["EUR", "USD"]
    assert revops.currencies(totals, ["stuck_amendments"]) == []


def test_the_system_filter_keeps_the_gaps_in_that_system(gaps_store: Database) -> None:
    netsuite = gap_rows(Window(until=NOW, span=7 * D, system="netsuite"))
    assert {system for _, system, _ in netsuite} == {"netsuite"}
    assert ("unmatched_accounts", "netsuite", "A1") in netsuite


def test_a_confirmed_match_is_recorded_audited_shown_and_closes_at_the_next_compute(
    gaps_store: Database,
) -> None:
    actions.decide_match(RORY, "confirm", system="netsuite", crm_account_id="A1",
                         customer_id="901", at=DECIDED, score=0.95, method="name")  # fmt: skip
    with gaps_store.connection() as conn:
        link = conn.execute(
            "SELECT decision, decided_by, method FROM account_link "
            "WHERE system = 'netsuite' AND crm_account_id = 'A1' AND customer_id = '901'"
        ).fetchall()
        audit = conn.execute(
            "SELECT actor, details ->> 'customer_id' FROM audit_log WHERE action = 'match.confirm'"
        ).fetchall()
    assert link == [("confirmed", "rory", "name")]
    assert audit == [("rory", "901")]
    rows = gap_rows()
    for key in (("unmatched_accounts", "netsuite", "A1"), ("orphan_customers", "netsuite", "901")):
        assert (rows[key]["linked_by"], missing(rows[key]["match_score"])) == ("rory", True)
    compute(gaps_store, Settings(), NOW + timedelta(hours=1))
    st.cache_data.clear()
    later = gap_rows(Window(until=NOW + timedelta(hours=1), span=7 * D))
    assert ("unmatched_accounts", "netsuite", "A1") not in later
    assert ("orphan_customers", "netsuite", "901") not in later
    assert ("unmatched_accounts", "stripe", "A1") in later


def test_a_rejected_match_is_audited_and_never_suggested_again(gaps_store: Database) -> None:
    actions.decide_match(RORY, "reject", system="netsuite", crm_account_id="A1",
                         customer_id="901", at=DECIDED, score=0.95, method="name")  # fmt: skip
    assert missing(gap_rows()["unmatched_accounts", "netsuite", "A1"]["match_score"])
    with gaps_store.connection() as conn:
        refresh_suggestions(conn, NOW)
        audit = conn.execute("SELECT actor FROM audit_log WHERE action = 'match.reject'").fetchall()
    st.cache_data.clear()
    assert audit == [("rory",)]
    assert missing(gap_rows()["unmatched_accounts", "netsuite", "A1"]["match_score"])


def test_only_revops_may_decide(gaps_store: Database) -> None:
    with pytest.raises(NotAllowedError):
        actions.decide_match(Identity("erin", frozenset({"executive"})), "confirm",
                             system="netsuite", crm_account_id="A1", customer_id="901",
                             at=DECIDED)  # fmt: skip
    assert not missing(gap_rows()["unmatched_accounts", "netsuite", "A1"]["match_score"])


def test_each_currency_s_largest_gaps_are_read_and_the_first_without_money(
    app_env: Database,
) -> None:
    window = Window(until=NOW, span=7 * D)
    codes = revops.currencies(revops.totals(RORY, window), revops.ACCOUNT_ITEMS)
    assert codes
    with app_env.connection() as conn:
        listed = run(conn, revops.GAPS.sql, window.params(**{**revops.gap_params(codes),
                                                              "limit": 2}))  # fmt: skip
        largest = conn.execute(
            """
            SELECT id FROM (
                SELECT id, row_number() OVER (
                    PARTITION BY metric, currency
                    ORDER BY abs(amount_minor) DESC NULLS LAST, id) AS n
                FROM exception_item
                WHERE resolved_at IS NULL AND metric = ANY (%s)) ranked
            WHERE n <= 2
            """,
            (revops.ACCOUNT_ITEMS,),
        ).fetchall()
    assert sorted(listed["id"]) == sorted(i for (i,) in largest)


def test_stuck_amendments_read_the_largest_of_each_currency(app_env: Database) -> None:
    window = Window(until=NOW, span=7 * D)
    codes = revops.currencies(revops.totals(RORY, window), ["stuck_amendments"])
    stuck = revops.stuck(RORY, window, codes)
    with app_env.connection() as conn:
        expected = conn.execute(
            "SELECT count(*) FROM exception_item "
            "WHERE metric = 'stuck_amendments' AND resolved_at IS NULL"
        ).fetchone()
    assert expected is not None and len(stuck) == expected[0] > 0
    assert (stuck["hours_past_sla"].astype(float) > 0).all()
    for _, group in stuck.groupby("currency"):
        assert list(group["amount_minor"]) == sorted(group["amount_minor"], reverse=True)
