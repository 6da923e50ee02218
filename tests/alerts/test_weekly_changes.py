"""What changed in a week, per metric, and the largest new risks, against a hand-built fortnight.

W47 of 2026 in Europe/Berlin runs from 2026-11-15T23:00Z to 2026-11-22T23:00Z; W46 is the week
before. Each exception item below is written as the compute writes it (first found, resolved);
the figures expected of it are worked out beside it. The ECB rates of Friday 20 Nov (the last
rate date of W47) are USD 1.08 and JPY 162 per euro; CHF has none.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from alerts.messages import Money, ReportTable
from alerts.outbox import DeliveryReport, deliver_due
from alerts.report_json import report_document
from alerts.weekly import build_weekly_report
from alerts.weekly_changes import ORDER, Figure, MetricChange
from alerts.weekly_message import report_message, send_weekly_report
from alerts.weekly_totals import Total
from core.config import Settings
from core.config.models import SlackSettings
from core.database import Database
from core.fx.load import load_rates
from core.sqlfiles import names
from core.store.records import CanonicalRecord, upsert_records
from sandbox.block_kit import block_kit_problems
from sandbox.slack_standin import SlackStandIn
from testkit.servers import running_app

SETTINGS = Settings(timezone="Europe/Berlin", dashboard_url="http://dash.example")
TOKEN = "xoxb-weekly-report-secret"
TOKEN_ENV = "SYNCWATCH_TEST_WEEKLY_SLACK_TOKEN"
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
RATES = "Date,USD,JPY,\n2026-11-20,1.08,162.00,\n2026-11-23,1.50,200.00,\n"
AGED = {"age_bucket": "gt_7d"}
FRESH = {"age_bucket": "lt_1h"}
IB = {"flow": "invoice_billing_to_erp"}


def at(text: str) -> datetime:
    """A UTC instant from ``MM-DDTHH:MM``."""
    return datetime.fromisoformat(f"2026-{text}:00+00:00")


# metric, labels, system, object, id, amount, currency, first found, resolved, owner, assignee
ITEMS: list[tuple[Any, ...]] = [
    # W46: new and still open at its end; W47: still open.
    ("posting_failures", AGED, "stripe", "invoice", "in_1", 10_000, "USD", "11-10T00:00", None,
     "finance", None),
    # W46: new and still open; W47: fixed.
    ("posting_failures", AGED, "stripe", "invoice", "in_2", 20_000, "USD", "11-12T00:00",
     "11-17T00:00", "finance", None),
    # W47: new and still open (with a later age group: the same split).
    ("posting_failures", FRESH, "stripe", "invoice", "in_3", 50_000, "JPY", "11-16T10:00", None,
     "finance", None),
    # W47: new and fixed inside the week, so never open at a week's end.
    ("posting_failures", FRESH, "stripe", "invoice", "in_4", 30_000, "EUR", "11-18T00:00",
     "11-19T00:00", "finance", None),
    # Found Sunday 23:30 Berlin (W46), resolved Monday 00:00 Berlin: W46 new and open, W47 fixed.
    ("posting_failures", AGED, "stripe", "invoice", "in_5", 5_000, "USD", "11-15T22:30",
     "11-15T23:00", "finance", None),
    # Found Monday 00:00 Berlin of W48, and fixed before W46 began: in neither week.
    ("posting_failures", AGED, "stripe", "invoice", "in_6", 99_900, "USD", "11-22T23:00", None,
     "finance", None),
    ("posting_failures", AGED, "stripe", "invoice", "in_7", 7_000, "USD", "11-01T00:00",
     "11-05T00:00", "finance", None),
    # The same invoice past its SLA: another metric, the same new risk.
    ("sla_breaches", IB, "stripe", "invoice", "in_3", 50_000, "JPY", "11-16T11:00", None,
     "finance", None),
    # Not yet synced: counted as a change, never a risk of its own (however large).
    ("sync_backlog", IB, "stripe", "invoice", "in_big", 900_000_000, "USD", "11-20T00:00", None,
     "finance", None),
    # ERP holds $150.00 more than billing: the difference counts by its size.
    ("amount_mismatches", {}, "stripe", "invoice", "in_8", -15_000, "USD", "11-17T00:00", None,
     "finance", None),
    ("amount_mismatches", {}, "stripe", "invoice", "in_10", 8_000, "CHF", "11-19T00:00", None,
     "finance", None),
    # One account missing in both systems: a row per system, so its ARR is never counted twice.
    ("unmatched_accounts", {"system": "netsuite"}, "salesforce", "account", "001K", 1_000_000,
     "USD", "11-09T00:00", None, "revops", None),
    ("unmatched_accounts", {"system": "stripe"}, "salesforce", "account", "001K", 1_000_000,
     "USD", "11-09T00:00", "11-20T00:00", "revops", None),
    # A customer with no unpaid invoice: counted, no money.
    ("orphan_customers", {"system": "stripe"}, "stripe", "customer", "cus_1", None, None,
     "11-18T00:00", None, "revops", None),
    ("stuck_amendments", {}, "salesforce", "amendment", "a01", 100_000, "EUR", "11-19T00:00",
     None, "revops", "rory"),
    ("stuck_amendments", {}, "salesforce", "amendment", "a02", 50_000, "EUR", "11-19T00:00",
     None, "revops", None),
    ("stuck_amendments", {}, "salesforce", "amendment", "a03", 1_000, "EUR", "11-19T00:00", None,
     "revops", None),
    ("stuck_amendments", {}, "salesforce", "amendment", "a04", 500, "EUR", "11-19T00:00", None,
     "revops", None),
]  # fmt: skip
SINCE = {"in_3": "11-16T09:00", "a01": "11-18T20:00"}


def seed(conn: psycopg.Connection[Any]) -> None:
    """The items, and the records whose names the report shows."""
    for (metric, labels, system, obj, ext, amount, currency, first, resolved, owner,
         assignee) in ITEMS:  # fmt: skip
        conn.execute(
            "INSERT INTO exception_item (fingerprint, metric, labels, system, object_type, "
            "external_id, amount_minor, currency, owner, assignee, since, first_seen, last_seen, "
            "resolved_at, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s)",
            (f"{metric}/{json.dumps(labels)}/{ext}", metric, json.dumps(labels), system, obj,
             ext, amount, currency, owner, assignee,
             at(SINCE[ext]) if ext in SINCE else None, at(first), at(first),
             at(resolved) if resolved else None, "resolved" if resolved else "open"),
        )  # fmt: skip
    records = [
        CanonicalRecord(system="stripe", object_type="customer", external_id="cus_9",
                        payload={}, name="Kaisha KK"),
        CanonicalRecord(system="stripe", object_type="invoice", external_id="in_3", payload={},
                        name="INV-0003", parent_ref="cus_9", amount_minor=50_000, currency="JPY"),
        CanonicalRecord(system="salesforce", object_type="account", external_id="001K",
                        payload={}, name="Acme Corp"),
        CanonicalRecord(system="salesforce", object_type="amendment", external_id="a01",
                        payload={}, name="Q-00001", account_ref="001K"),
    ]  # fmt: skip
    with conn.transaction():
        upsert_records(conn, records, at=NOW)


@pytest.fixture
def fortnight(db: Database) -> Database:
    """The store with the hand-built fortnight, without exchange rates."""
    with db.connection() as conn:
        seed(conn)
    return db


@pytest.fixture
def with_rates(fortnight: Database, tmp_path: Path) -> Database:
    """The fortnight with the ECB rates loaded."""
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(RATES, encoding="utf-8")
    load_rates(fortnight, str(path), NOW)
    return fortnight


def changes_of(db: Database) -> dict[tuple[str, str], MetricChange]:
    """W47's change rows by metric and split label."""
    with db.connection() as conn:
        report = build_weekly_report(conn, SETTINGS, "2026-W47", NOW)
    assert report.changes is not None
    return {(c.metric, ",".join(c.labels.values())): c for c in report.changes}


def usd(minor: int) -> Money:
    return Money(amount_minor=minor, currency="USD")


def total(minor: int | None, left_out: tuple[str, ...] = ()) -> Total:
    """A total in US cents at the rates of Friday 20 Nov 2026."""
    return Total(currency="USD", as_of=date(2026, 11, 22), amount_minor=minor,
                 rate_date=date(2026, 11, 20), left_out=list(left_out))  # fmt: skip


def figure(count: int, *amounts: Money, converted: Total | None = None) -> Figure:
    return Figure(count=count, amounts=list(amounts), total=converted)


def test_new_fixed_and_still_open_per_metric_in_both_weeks(with_rates: Database) -> None:
    changes = changes_of(with_rates)
    failures = changes["posting_failures", ""]
    jpy = Money(amount_minor=50_000, currency="JPY")
    eur = Money(amount_minor=30_000, currency="EUR")
    # W47 new: in_3 (¥50,000) and in_4 (€300.00) = $333.33… + $324.00 = $657.33.
    assert failures.this_week.new == figure(2, eur, jpy, converted=total(65_733))
    # W47 fixed: in_2 ($200.00), in_4 (€300.00), in_5 ($50.00) = $250.00 + $324.00.
    assert failures.this_week.fixed == figure(3, eur, usd(25_000), converted=total(57_400))
    # W47 still open: in_1 ($100.00) and in_3 (¥50,000).
    assert failures.this_week.still_open == figure(2, jpy, usd(10_000), converted=total(43_333))
    # W46: in_1, in_2 and in_5 found, none fixed; last week is converted at this week's rates.
    assert failures.last_week.new == figure(3, usd(35_000), converted=total(35_000))
    assert failures.last_week.fixed == figure(0)
    assert failures.last_week.still_open == figure(3, usd(35_000), converted=total(35_000))

    mismatches = changes["amount_mismatches", ""].this_week
    chf = Money(amount_minor=8_000, currency="CHF")
    assert mismatches.new == figure(2, chf, usd(15_000), converted=total(15_000, ("CHF",)))
    assert mismatches.still_open == mismatches.new

    netsuite = changes["unmatched_accounts", "netsuite"]
    stripe = changes["unmatched_accounts", "stripe"]
    arr = usd(1_000_000)
    assert (netsuite.last_week.new, netsuite.this_week.still_open) == (
        figure(1, arr, converted=total(1_000_000)), figure(1, arr, converted=total(1_000_000)),
    )  # fmt: skip
    assert stripe.this_week.fixed == figure(1, arr, converted=total(1_000_000))
    assert stripe.this_week.still_open == figure(0)

    orphans = changes["orphan_customers", "stripe"].this_week
    assert (orphans.new, orphans.still_open) == (figure(1), figure(1))
    backlog = changes["sync_backlog", "invoice_billing_to_erp"].this_week
    assert backlog.new.count == 1
    # A metric with no items at all still has its row, all zero.
    assert changes["silent_misses", ""].this_week.new == figure(0)


def test_every_exception_metric_has_a_row_in_a_fixed_order(fortnight: Database) -> None:
    metrics = [metric for metric, _ in changes_of(fortnight)]
    assert set(metrics) == set(names("exceptions")) == set(ORDER)
    assert list(dict.fromkeys(metrics)) == list(ORDER)


def test_still_open_is_last_weeks_plus_new_minus_fixed(fortnight: Database) -> None:
    for change in changes_of(fortnight).values():
        this, last = change.this_week, change.last_week
        assert this.still_open.count == (
            last.still_open.count + this.new.count - this.fixed.count
        ), change.metric


def test_without_rates_the_totals_are_missing_never_zero(fortnight: Database) -> None:
    new = changes_of(fortnight)["posting_failures", ""].this_week.new
    assert new.total == Total(currency="USD", as_of=date(2026, 11, 22), amount_minor=None,
                              rate_date=None, left_out=["EUR", "JPY"])  # fmt: skip
    with fortnight.connection() as conn:
        message = report_message(build_weekly_report(conn, SETTINGS, "2026-W47", NOW), SETTINGS)
    table = next(s for s in message.sections if isinstance(s, ReportTable))
    assert table.note is not None
    assert "No total in USD: no ECB rates on or before 22 Nov 2026." in table.note
    row = next(r for r in table.rows if r.label == "Invoice failed to post")
    assert row.figures[0].value == "2 · €300.00, ¥50,000"


def risks_of(db: Database) -> list[tuple[str, str, str]]:
    with db.connection() as conn:
        report = build_weekly_report(conn, SETTINGS, "2026-W47", NOW)
    assert report.new_risks is not None
    return [(r.external_id, r.amount.currency, ",".join(r.metrics)) for r in report.new_risks]


def test_the_largest_new_risks_compare_money_in_the_reporting_currency(
    with_rates: Database,
) -> None:
    # €1,000.00 = $1,080.00 > €500.00 > ¥50,000 = $333.33 > $150.00 > €10.00; in_4 was fixed in
    # the week, in_big is backlog, in_1 and the accounts were found before it, CHF has no rate.
    assert risks_of(with_rates) == [
        ("a01", "EUR", "stuck_amendments"),
        ("a02", "EUR", "stuck_amendments"),
        ("in_3", "JPY", "posting_failures,sla_breaches"),
        ("in_8", "USD", "amount_mismatches"),
        ("a03", "EUR", "stuck_amendments"),
    ]
    with with_rates.connection() as conn:
        report = build_weekly_report(conn, SETTINGS, "2026-W47", NOW)
    assert report.new_risks is not None
    first, _, invoice = report.new_risks[:3]
    assert (first.name, first.customer, first.owner, first.assignee) == (
        "Q-00001", "Acme Corp", "revops", "rory",
    )  # fmt: skip
    assert first.converted == usd(108_000)
    assert (first.found_at, first.since) == (at("11-19T00:00"), at("11-18T20:00"))
    assert (invoice.name, invoice.customer, invoice.converted) == ("INV-0003", "Kaisha KK",
                                                                   usd(33_333))  # fmt: skip
    message = report_message(report, SETTINGS)
    table = next(s for s in message.sections if isinstance(s, ReportTable) and "risks" in s.title)
    assert [table.rows[0].label, *(f.value for f in table.rows[0].figures)] == [
        "Salesforce amendment Q-00001 · Acme Corp",
        "Stuck amendment",
        "€1,000.00 (≈ $1,080.00)",
        "4 d 3 h",
        "revops, assigned to rory",
    ]
    assert [f.value for f in table.rows[2].figures][1:3] == ["¥50,000 (≈ $333.33)", "6 d 14 h"]


def test_without_rates_each_currencys_largest_risk_comes_first(fortnight: Database) -> None:
    # The largest in JPY, EUR, USD and CHF, then the second largest (in EUR).
    assert [ext for ext, _, _ in risks_of(fortnight)] == ["in_3", "a01", "in_8", "in_10", "a02"]


def test_the_json_document_says_amounts_as_decimal_strings(with_rates: Database) -> None:
    with with_rates.connection() as conn:
        document = report_document(build_weekly_report(conn, SETTINGS, "2026-W47", NOW))
    failures = next(c for c in document["changes"] if c["metric"] == "posting_failures")
    assert failures["this_week"]["new"] == {
        "count": 2,
        "amounts": [{"amount": "300.00", "currency": "EUR"},
                    {"amount": "50000", "currency": "JPY"}],
        "total": {"amount": "657.33", "currency": "USD", "as_of": "2026-11-22",
                  "rate_date": "2026-11-20", "left_out": []},
    }  # fmt: skip
    risk = document["new_risks"][2]
    assert {k: risk[k] for k in ("external_id", "amount", "amount_reporting", "since")} == {
        "external_id": "in_3",
        "amount": {"amount": "50000", "currency": "JPY"},
        "amount_reporting": {"amount": "333.33", "currency": "USD"},
        "since": "2026-11-16T09:00:00Z",
    }
    assert risk["age_seconds"] == 6 * 86_400 + 14 * 3_600
    assert document["period"] == {"start": "2026-11-15T23:00:00Z", "end": "2026-11-22T23:00:00Z"}


def test_the_weekly_post_reaches_slack_with_the_changes_and_risks(
    with_rates: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built from the store, queued, and posted over HTTP to the Slack stand-in."""
    standin = SlackStandIn(TOKEN, channels=("exec-kpis",))
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with running_app(standin.app) as url:
        slack = SlackSettings(token_env=TOKEN_ENV, base_url=url + "/api/")
        settings = SETTINGS.model_copy(update={"slack": slack})
        report = send_weekly_report(with_rates, settings, NOW)
        assert deliver_due(with_rates, settings, NOW) == DeliveryReport(sent=1)
        # Delivered once: a second pass, or the same week sent again, posts nothing more.
        send_weekly_report(with_rates, settings, NOW)
        assert deliver_due(with_rates, settings, NOW) == DeliveryReport()
    (posted,) = standin.messages("exec-kpis")
    assert report.week == "2026-W47"
    assert posted["text"].startswith("Weekly sync health (2026-W47)")
    blocks = posted["blocks"]
    assert block_kit_problems(blocks) == []
    sections = {b["text"]["text"]: b.get("fields", []) for b in blocks if b["type"] == "section"}
    failures = [f["text"] for f in sections["*Invoice failed to post*"]]
    assert failures == [
        "*New*\n2 · €300.00, ¥50,000 (≈ $657.33)\n_last week 3 · $350.00_",
        "*Fixed*\n3 · €300.00, $250.00 (≈ $574.00)\n_last week 0_",
        "*Still open*\n2 · ¥50,000, $100.00 (≈ $433.33)\n_last week 3 · $350.00_",
    ]
    risk = [f["text"] for f in sections["*Salesforce amendment Q-00001 · Acme Corp*"]]
    assert risk == [
        "*Problem*\nStuck amendment",
        "*Amount*\n€1,000.00 (≈ $1,080.00)",
        "*Open for*\n4 d 3 h",
        "*Owner*\nrevops, assigned to rory",
    ]
    notes = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert any("Totals ≈ in USD at the ECB rates of 20 Nov 2026. Nothing found in either week: "
               "Clock skew, Duplicate customer, Invoice missing from ERP (no log), Payment failed "
               "to post, Payment missing from ERP (no log)." in n for n in notes)  # fmt: skip
