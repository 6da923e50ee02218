"""Match suggestions and decisions against a real PostgreSQL, on one small hand-made company."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import typer
from rapidfuzz import fuzz
from typer.testing import CliRunner

from core.clock import Clock
from core.config import Settings
from core.database import Database
from core.sqlfiles import run_script, sql_text
from core.store.records import CanonicalRecord, upsert_records
from metrics.engine import compute
from metrics.matching import (
    MatchError,
    confirm_match,
    refresh_suggestions,
    reject_match,
    suggestions,
)
from metrics.names import block_keys, fuzzy_matches, sorted_words
from syncwatch.commands import matches
from syncwatch.context import AppContext

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=10)

# Accounts: (id, name, domain, ARR in minor units). A1 is fully linked; A9 is deleted.
ACCOUNTS = [
    ("A1", "Acme Robotics, Inc.", "acme-robotics.com", 900_000_00),
    ("A2", "Blue Harbor Logistics LLC", "blueharbor.io", 300_000_00),
    ("A3", "Cedar Analytics GmbH", "cedar.de", 50_000_00),
    ("A4", "Kestrel Robotics Ltd", None, 80_000_00),
    ("A5", "Zephyr Media K.K.", "gmail.com", 20_000_00),
]
# Customers: (system, id, name, domain, account_ref).
CUSTOMERS = [
    ("netsuite", "N1", "Acme Robotics", None, "A1"),
    ("stripe", "S1", "Acme Robotics", "acme-robotics.com", "A1"),
    # A2 has no Stripe customer; three orphans claim it, one per method.
    ("stripe", "S2", "BH Freight Billing", "blueharbor.io", None),
    ("stripe", "S3", "Blue Harbor Logistics Co.", None, ""),
    ("stripe", "S4", "Blue Harbour Logistics", None, "A-gone"),
    # A3 has no NetSuite customer: an orphan with its name, and a linked namesake it must not get.
    ("netsuite", "N3", "CEDAR ANALYTICS", None, None),
    ("netsuite", "N6", "Cedar Analytics Inc.", None, "A1"),
    # A4: a typo, and a similar-looking but different company below the cutoff.
    ("netsuite", "N4", "Kestrel Robotcs", None, None),
    ("netsuite", "N5", "Kestrel Foods", None, None),
    # Orphaned by the deletion of A9; nobody's name.
    ("netsuite", "N9", "Umber Works", None, "A9"),
    # A free-mail domain shared with A5 names nobody.
    ("stripe", "S5", "Someone Else", "gmail.com", None),
]


def write_company(db: Database) -> None:
    """The hand-made company, written the way the collectors write."""
    records = [
        CanonicalRecord(
            "salesforce",
            "account",
            id_,
            {"Id": id_},
            account_ref=id_,
            name=name,
            domain=domain,
            amount_minor=arr,
            currency="USD",
            created_at=CREATED,
            updated_at=CREATED,
        )
        for id_, name, domain, arr in ACCOUNTS
    ]
    records.append(
        CanonicalRecord(
            "salesforce",
            "account",
            "A9",
            {"Id": "A9"},
            name="Umber Works",
            created_at=CREATED,
            updated_at=CREATED,
            is_deleted=True,
        )
    )
    records += [
        CanonicalRecord(
            system,
            "customer",
            id_,
            {"id": id_},
            account_ref=ref,
            name=name,
            domain=domain,
            created_at=CREATED + timedelta(hours=1),
            updated_at=CREATED + timedelta(hours=1),
        )
        for system, id_, name, domain, ref in CUSTOMERS
    ]
    with db.connection() as conn, conn.transaction():
        upsert_records(conn, records, at=NOW)


@pytest.fixture
def company(db: Database) -> Database:
    """The store holding the hand-made company."""
    write_company(db)
    return db


def refresh(db: Database, **options: Any) -> int:
    with db.connection() as conn:
        return refresh_suggestions(conn, NOW, **options)


def stored(db: Database) -> list[tuple[Any, ...]]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT system, crm_account_id, customer_id, score, method, reason "
            "FROM match_suggestion ORDER BY system, crm_account_id, score DESC, customer_id"
        ).fetchall()
    return list(rows)


def test_ranked_suggestions_by_domain_name_and_fuzzy_name(company: Database) -> None:
    assert refresh(company) == 5
    assert stored(company) == [
        ("netsuite", "A3", "N3", 0.95, "name", "same normalised name 'cedar analytics'"),
        ("netsuite", "A4", "N4", 0.871, "fuzzy", "name 97% similar to 'Kestrel Robotcs'"),
        ("stripe", "A2", "S2", 1.0, "domain", "same domain blueharbor.io"),
        ("stripe", "A2", "S3", 0.95, "name", "same normalised name 'blue harbor logistics'"),
        ("stripe", "A2", "S4", 0.8791, "fuzzy", "name 98% similar to 'Blue Harbour Logistics'"),
    ]
    with company.connection() as conn:
        computed = conn.execute("SELECT DISTINCT computed_at FROM match_suggestion").fetchall()
    assert computed == [(NOW,)]


def test_limit_per_account_keeps_the_best(company: Database) -> None:
    assert refresh(company, systems=("stripe",), limit_per_account=2) == 2
    assert [(a, c, m) for _, a, c, _, m, _ in stored(company)] == [
        ("A2", "S2", "domain"),
        ("A2", "S3", "name"),
    ]


def test_refresh_replaces_only_the_systems_it_computed(company: Database) -> None:
    refresh(company)
    with company.connection() as conn:
        conn.execute("DELETE FROM source_record WHERE external_id = 'S2'")
    assert refresh(company, systems=("stripe",)) == 2
    assert {(a, c) for _, a, c, *_ in stored(company)} == {
        ("A3", "N3"), ("A4", "N4"), ("A2", "S3"), ("A2", "S4"),
    }  # fmt: skip


def test_suggestions_for_the_dashboard_best_first(company: Database) -> None:
    refresh(company)
    with company.connection() as conn:
        everything = suggestions(conn)
        mine = suggestions(conn, system="stripe", crm_account_id="A2", limit=1)
    assert [(s.crm_account_id, s.customer_id) for s in everything] == [
        ("A2", "S2"), ("A2", "S3"), ("A3", "N3"), ("A2", "S4"), ("A4", "N4"),
    ]  # fmt: skip
    (best,) = mine
    assert (best.account_name, best.arr_minor, best.currency) == (
        "Blue Harbor Logistics LLC", 300_000_00, "USD",
    )  # fmt: skip
    assert (best.customer_name, best.score, best.method) == ("BH Freight Billing", 1.0, "domain")
    assert best.computed_at == NOW


def test_rejected_pair_is_never_suggested_again(company: Database) -> None:
    refresh(company)
    at = NOW + timedelta(minutes=5)
    with company.connection() as conn:
        reject_match(
            conn, system="stripe", crm_account_id="A2", customer_id="S2", actor="rita", at=at
        )
        assert [s.customer_id for s in suggestions(conn, crm_account_id="A2")] == ["S3", "S4"]
        link = conn.execute(
            "SELECT decision, method, score, reason, decided_by, decided_at FROM account_link"
        ).fetchone()
    assert link == ("rejected", "domain", 1.0, "same domain blueharbor.io", "rita", at)
    refresh(company)
    # A fuzzy candidate the account rejected frees its slot for the next one.
    with company.connection() as conn:
        reject_match(
            conn, system="netsuite", crm_account_id="A4", customer_id="N4", actor="rita", at=at
        )
    refresh(company)
    assert {(a, c) for _, a, c, *_ in stored(company)} == {
        ("A3", "N3"), ("A2", "S3"), ("A2", "S4"),
    }  # fmt: skip


def metric(values: list[Any], name: str, system: str) -> float:
    (value,) = [m.value for m in values if m.name == name and m.labels == {"system": system}]
    return float(value)


def test_confirm_links_the_pair_in_every_metric_and_audits(company: Database) -> None:
    settings = Settings()
    before = compute(company, settings, NOW).metrics
    # A2, A3, A4 and A5 lack a NetSuite customer; N3, N4, N5 and N9 name no live account.
    assert metric(before, "unmatched_accounts", "netsuite") == 4
    assert metric(before, "orphan_customers", "netsuite") == 4
    refresh(company)
    at = NOW + timedelta(minutes=1)
    with company.connection() as conn:
        link_id = confirm_match(
            conn, system="netsuite", crm_account_id="A3", customer_id="N3", actor="rita", at=at
        )
        audit = conn.execute(
            "SELECT ts, actor, action, target_type, target_id, details FROM audit_log"
        ).fetchall()
        link = conn.execute(
            "SELECT crm_account_id, decision, method, score, decided_by FROM account_link"
        ).fetchall()
    assert link == [("A3", "confirmed", "name", 0.95, "rita")]
    assert audit == [
        (at, "rita", "match.confirm", "account_link", str(link_id), {
            "system": "netsuite", "crm_account_id": "A3", "customer_id": "N3", "score": 0.95,
            "method": "name", "reason": "same normalised name 'cedar analytics'",
            "previous": None,
        }),
    ]  # fmt: skip
    after = compute(company, settings, at).metrics
    assert metric(after, "unmatched_accounts", "netsuite") == 3
    assert metric(after, "orphan_customers", "netsuite") == 3
    assert metric(after, "unmatched_accounts", "stripe") == metric(
        before, "unmatched_accounts", "stripe"
    )
    # The pair's suggestions are gone and the next refresh does not bring them back.
    assert ("A3", "N3") not in {(a, c) for _, a, c, *_ in stored(company)}
    refresh(company)
    assert "A3" not in {a for _, a, *_ in stored(company)}


def test_confirming_replaces_an_earlier_rejection(company: Database) -> None:
    first, second = NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)
    with company.connection() as conn:
        reject_match(
            conn, system="netsuite", crm_account_id="A4", customer_id="N5", actor="rita",
            at=first,
        )  # fmt: skip
        confirm_match(
            conn, system="netsuite", crm_account_id="A4", customer_id="N5", actor="sam",
            at=second, method="manual", reason="same tax id",
        )  # fmt: skip
        links = conn.execute("SELECT decision, decided_by, reason FROM account_link").fetchall()
        previous = conn.execute(
            "SELECT details->'previous'->>'decision' FROM audit_log WHERE action = 'match.confirm'"
        ).fetchone()
    assert links == [("confirmed", "sam", "same tax id")]
    assert previous == ("rejected",)
    # Confirmed, A4 is linked: it gets no suggestions, and N5 is nobody's candidate.
    refresh(company)
    assert "A4" not in {a for _, a, *_ in stored(company)}


def test_linked_customers_are_never_candidates(company: Database) -> None:
    refresh(company)
    customers = {c for _, _, c, *_ in stored(company)}
    assert not customers & {"N1", "S1", "N6"}
    # N9's account was deleted, so N9 is an orphan: a new account of that name may claim it.
    with company.connection() as conn, conn.transaction():
        upsert_records(conn, [
            CanonicalRecord(
                "salesforce", "account", "A7", {"Id": "A7"}, account_ref="A7",
                name="Umber Works Ltd", created_at=CREATED, updated_at=CREATED,
            ),
        ], at=NOW)  # fmt: skip
    refresh(company)
    assert ("A7", "N9", "name") in {(a, c, m) for _, a, c, _, m, _ in stored(company)}


def test_decisions_name_real_records(company: Database) -> None:
    with company.connection() as conn:
        with pytest.raises(MatchError, match="no netsuite customer 'N404'"):
            confirm_match(
                conn, system="netsuite", crm_account_id="A3", customer_id="N404", actor="r", at=NOW
            )
        with pytest.raises(MatchError, match="unknown system 'zendesk'"):
            reject_match(
                conn, system="zendesk", crm_account_id="A3", customer_id="N3", actor="r", at=NOW
            )
        assert conn.execute("SELECT count(*) FROM account_link").fetchone() == (0,)


def test_refresh_twice_in_one_transaction(company: Database) -> None:
    with company.connection() as conn, conn.transaction():
        assert refresh_suggestions(conn, NOW) == refresh_suggestions(conn, NOW) == 5


def test_fuzzy_blocks_rank_and_exclude() -> None:
    accounts = ["kestrel robotics", "acme"]
    customers = ["kestrel robotcs", "kestrel robotic", "kestrel foods", "acmee", "zzz"]
    assert "kestrel robotics" in block_keys("kestrel robotics")
    found = fuzzy_matches(accounts, customers, per_account=1)
    assert list(zip(found.account.tolist(), found.customer.tolist(), strict=True)) == [
        (0, 0), (1, 3),
    ]  # fmt: skip
    found = fuzzy_matches(accounts, customers, per_account=3, excluded=[(0, 0)])
    assert list(zip(found.account.tolist(), found.customer.tolist(), strict=True)) == [
        (0, 1), (1, 3),
    ]  # fmt: skip


NORMALISED = {
    "Kestrel Robotics, Inc.": "kestrel robotics",
    "Foo Co Inc": "foo",
    "Foo, Inc. & Co": "foo inc and",
    "A.B. S.A.": "ab",
    "Ácme  SAS": "ácme",
    "North Star K.K.": "north star",
    "x sas sa as": "x",
    "O'Brien Ltd": "obrien",
    "  weird---name   ltd ": "weird name",
    "inc co": "inc",
    "Corporation": "corporation",
    "Incorporated Things": "incorporated things",
    "Cosas": "cosas",
    "": "",
}


def test_names_normalise_case_punctuation_and_legal_forms(db: Database) -> None:
    define = sql_text("matching", "candidates").split(";\n")[0]
    with db.connection() as conn:
        run_script(conn, define, {})
        got = {
            name: conn.execute("SELECT pg_temp.match_name(%s)", (name,)).fetchone()
            for name in NORMALISED
        }
    assert got == {name: (norm,) for name, norm in NORMALISED.items()}


def test_fuzzy_scores_are_token_sort_ratios() -> None:
    words = ["acme", "north", "star", "labs", "kestrel", "robotics", "robotic", "foods", "a", "b2"]
    rng = random.Random(5)
    names = [" ".join(rng.choices(words, k=rng.randint(1, 4))) for _ in range(300)]
    accounts, customers = names[:100], names[100:]
    found = fuzzy_matches(accounts, customers, per_account=3)
    assert len(found) > 100
    for i, j, ratio in zip(found.account, found.customer, found.ratio, strict=True):
        assert ratio == pytest.approx(fuzz.token_sort_ratio(accounts[i], customers[j]), abs=1e-4)
    for a, c in zip(accounts, customers, strict=False):
        assert fuzz.ratio(sorted_words(a), sorted_words(c)) == fuzz.token_sort_ratio(a, c)


def test_cli_refresh_list_confirm_reject(
    company: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = typer.Typer()

    @root.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = AppContext(config_path=None, clock=Clock(NOW))

    root.add_typer(matches.app, name="matches")
    monkeypatch.setenv("DATABASE_URL", company.url)
    monkeypatch.delenv("SYNCWATCH_CONFIG", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(root, ["matches", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "5 suggestions" in run("refresh")
    listed = json.loads(run("list", "--system", "stripe", "--json"))
    assert [s["customer_id"] for s in listed] == ["S2", "S3", "S4"]
    assert "Blue Harbor Logistics LLC" in run("list", "--account", "A2")
    run("reject", "A2", "S2", "--system", "stripe", "--by", "rita")
    run("confirm", "A2", "S3", "--system", "stripe", "--by", "rita")
    with psycopg.connect(company.url) as conn:
        assert conn.execute(
            "SELECT action, actor, details->>'customer_id' FROM audit_log ORDER BY id"
        ).fetchall() == [("match.reject", "rita", "S2"), ("match.confirm", "rita", "S3")]
    failed = runner.invoke(
        root, ["matches", "confirm", "A2", "S9", "--system", "stripe", "--by", "rita"]
    )
    assert isinstance(failed.exception, MatchError)
