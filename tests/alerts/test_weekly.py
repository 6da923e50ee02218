"""The weekly KPI summary against a small, hand-computed fortnight in Europe/Berlin.

W47 of 2026 runs from Monday 2026-11-16 00:00 Berlin (2026-11-15T23:00Z) to 2026-11-22T23:00Z;
W46 is the week before. Points just either side of each boundary check the time zone.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from alerts.acknowledgements import change_acknowledgement
from alerts.messages import Envelope, Money, ReportMessage, ReportSection, ReportTable
from alerts.slack import render
from alerts.weekly import FlowKpi, Level, TopException, build_weekly_report, load_report
from alerts.weekly_incidents import AlertKpi
from alerts.weekly_message import report_message, send_weekly_report
from alerts.weekly_period import WeekError, last_complete_week, parse_week
from core.clock import Clock
from core.config import Settings
from core.database import Database
from core.roles import Identity
from core.store.events import append_events
from core.store.records import upsert_records
from metrics.engine import compute
from metrics.history import roll_up
from sandbox.block_kit import block_kit_problems
from sandbox.generator import WorldSpec, iter_bundles
from sandbox.profile import Profile
from sandbox.store_loader import rows
from syncwatch.commands import report as report_cli
from syncwatch.context import AppContext

SETTINGS = Settings(timezone="Europe/Berlin", dashboard_url="http://dash.example")
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
IB = {"flow": "invoice_billing_to_erp"}
ENGINEER = Identity("ivan", frozenset({"integration"}))


def at(text: str) -> datetime:
    """A UTC instant from ``MM-DDTHH:MM``."""
    return datetime.fromisoformat(f"2026-{text}:00+00:00")


class History:
    """Writes metric series, points and rollups readably."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def series(self, name: str, unit: str = "count", **labels: str) -> int:
        """Create a series; return its id."""
        row = self.conn.execute(
            "INSERT INTO metric_series (name, labels, unit) VALUES (%s, %s, %s) RETURNING id",
            (name, json.dumps(labels), unit),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def points(self, series: int, *points: tuple[str, float]) -> None:
        """Add raw points given as (``MM-DDTHH:MM``, value)."""
        for ts, value in points:
            self.conn.execute(
                "INSERT INTO metric_point (series_id, ts, value) VALUES (%s, %s, %s)",
                (series, at(ts), value),
            )

    def rollup(self, series: int, res: str, bucket: str, total: float, n: int, last: float) -> None:
        """Add one rollup bucket (min and max are not read by the report)."""
        self.conn.execute(
            "INSERT INTO metric_rollup (series_id, resolution, bucket, min, max, sum, count, last)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (series, res, at(bucket), last, last, total, n, last),
        )


def seed_metrics(h: History) -> None:
    """Two weeks of metric history with every boundary case the report must handle."""
    sla = h.series("sla_attainment", "ratio", **IB)
    # W47: hourly rollups (1.8/2 and 1.0/1), raw points in hours without a rollup (0.7 and
    # 0.5, the latter Monday 00:30 Berlin), a raw point inside a rolled-up hour (ignored) and
    # one after the week (Monday 00:30 Berlin of W48).  Mean = 4.0 / 5 = 0.8.
    h.rollup(sla, "1h", "11-17T10:00", 1.8, 2, 0.9)
    h.rollup(sla, "1h", "11-18T10:00", 1.0, 1, 1.0)
    h.points(sla, ("11-22T12:00", 0.7), ("11-15T23:30", 0.5), ("11-18T10:30", 0.2))
    h.points(sla, ("11-22T23:30", 0.0))
    # W46: a daily rollup (2.7/3), a daily rollup shadowed by an hourly one on the same day
    # (0.9/1 counts, 0/10 does not) and Sunday 23:30 Berlin (0.1).  Mean = 3.7 / 5 = 0.74.
    h.rollup(sla, "1d", "11-10T00:00", 2.7, 3, 0.9)
    h.rollup(sla, "1d", "11-12T00:00", 0.0, 10, 0.0)
    h.rollup(sla, "1h", "11-12T05:00", 0.9, 1, 0.9)
    h.points(sla, ("11-15T22:30", 0.1))
    h.points(h.series("sla_attainment", "ratio", flow="account_crm_to_erp"), ("11-20T00:00", 1.0))
    p95 = h.series("sync_lag_seconds", "seconds", quantile="p95", **IB)
    h.points(p95, ("11-17T00:00", 600), ("11-19T00:00", 1200), ("11-12T00:00", 1800))
    h.points(h.series("sync_lag_seconds", "seconds", quantile="p50", **IB), ("11-17T00:00", 5))

    unmatched = h.series("unmatched_accounts", system="netsuite")
    h.points(unmatched, ("11-16T12:00", 5), ("11-22T20:00", 3), ("11-14T12:00", 4))
    usd = h.series("unmatched_accounts_arr", "minor", system="netsuite", currency="USD")
    h.points(usd, ("11-22T20:00", 1_200_000), ("11-14T12:00", 900_000))
    jpy = h.series("unmatched_accounts_arr", "minor", system="netsuite", currency="JPY")
    h.points(jpy, ("11-22T20:00", 5_000_000))
    stuck = h.series("stuck_amendments")
    h.points(stuck, ("11-17T00:00", 4), ("11-21T00:00", 2), ("11-13T00:00", 1))
    h.points(h.series("stuck_amendments_amount", "minor", currency="EUR"), ("11-21T00:00", 250_000))
    h.points(
        h.series("posting_failures", age_bucket="lt_1h"), ("11-22T06:00", 1), ("11-14T00:00", 0)
    )
    h.points(h.series("posting_failures", age_bucket="1d_7d"), ("11-22T06:00", 2))
    h.points(h.series("posting_failures_amount", "minor", currency="USD"), ("11-22T06:00", 420_000))


def seed_exceptions(conn: psycopg.Connection[Any]) -> None:
    """Exception items open, resolved and opened around the end of W47."""
    items = [
        # metric, system, object, id, amount, currency, first_seen, resolved_at
        ("posting_failures", "stripe", "invoice", "in_A", 420_000, "USD", "11-20T00:00", None),
        ("sla_breaches", "stripe", "invoice", "in_A", 420_000, "USD", "11-20T01:00", None),
        ("stuck_amendments", "salesforce", "amendment", "a0B", 250_000, "EUR", "11-18T00:00", None),
        ("unmatched_accounts", "salesforce", "account", "001C", 1_000_000, "USD", "11-02T00:00",
         "11-23T05:00"),
        ("posting_failures", "stripe", "invoice", "in_D", 900_000, "USD", "11-19T00:00",
         "11-20T00:00"),
        ("posting_failures", "stripe", "invoice", "in_E", 800_000, "USD", "11-23T01:00", None),
        ("posting_failures", "stripe", "invoice", "in_F", 300, "USD", "11-21T00:00", None),
        ("posting_failures", "stripe", "invoice", "in_G", 200, "USD", "11-21T00:00", None),
        ("posting_failures", "stripe", "invoice", "in_H", 150, "USD", "11-21T00:00", None),
        ("posting_failures", "stripe", "invoice", "in_I", 120, "USD", "11-21T00:00", None),
        ("posting_failures", "stripe", "invoice", "in_J", 5_000, "JPY", "11-21T00:00", None),
    ]  # fmt: skip
    for metric, system, obj, ext, amount, currency, first, resolved in items:
        conn.execute(
            "INSERT INTO exception_item (fingerprint, metric, system, object_type, external_id, "
            "amount_minor, currency, owner, first_seen, last_seen, resolved_at, status) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 'finance', %s, %s, %s, %s)",
            (f"{metric}/{ext}", metric, system, obj, ext, amount, currency, at(first), at(first),
             at(resolved) if resolved else None, "resolved" if resolved else "open"),
        )  # fmt: skip


def seed_alerts(conn: psycopg.Connection[Any]) -> None:
    """Three alerts whose incidents fire, are acknowledged and resolve across both weeks.

    The rows and events are what the alert store writes at each transition; acknowledgements
    go through the same function the dashboard and the CLI call. The report reads the
    incidents off the events: a return from stale continues an incident, it does not start one.
    """
    alerts = [
        # severity, steps: (instant, from state, to state) or (instant, "ack", None)
        ("critical", [("11-17T10:00", "pending", "firing"), ("11-17T10:30", "ack", None),
                      ("11-17T12:00", "firing", "resolved")]),
        ("warning", [("11-18T09:00", "pending", "firing"), ("11-18T10:00", "firing", "resolved"),
                     ("11-20T09:00", "pending", "firing"), ("11-20T10:30", "ack", None),
                     ("11-23T01:00", "firing", "resolved")]),
        ("warning", [("11-10T00:00", "pending", "firing"), ("11-11T00:00", "firing", "stale"),
                     ("11-12T00:00", "stale", "firing"), ("11-16T00:00", "firing", "resolved")]),
    ]  # fmt: skip
    for n, (severity, steps) in enumerate(alerts):
        row = conn.execute(
            "INSERT INTO alert (fingerprint, rule, group_key, state, severity, value) "
            "VALUES (%s, %s, %s, 'inactive', %s, 1) RETURNING id",
            (f"fp{n}", f"rule{n}", f"rule{n}", severity),
        ).fetchone()
        assert row is not None
        alert_id = int(row[0])
        for ts, before, after in steps:
            if before == "ack":
                outcome = change_acknowledgement(
                    conn, SETTINGS, alert_id, "acknowledge", identity=ENGINEER, at=at(ts)
                )
                assert outcome.changed, outcome.message
                continue
            conn.execute(
                "INSERT INTO alert_event (alert_id, ts, from_state, to_state) "
                "VALUES (%s, %s, %s, %s)",
                (alert_id, at(ts), before, after),
            )
            started = after == "firing" and before != "stale"
            conn.execute(
                "UPDATE alert SET state = %s, "
                "firing_since = CASE WHEN %s THEN %s WHEN %s = 'resolved' THEN NULL "
                "ELSE firing_since END, "
                "resolved_at = CASE WHEN %s = 'resolved' THEN %s ELSE resolved_at END, "
                "acknowledged_by = CASE WHEN %s THEN NULL ELSE acknowledged_by END, "
                "acknowledged_at = CASE WHEN %s THEN NULL ELSE acknowledged_at END "
                "WHERE id = %s",
                (after, started, at(ts), after, after, at(ts), started, started, alert_id),
            )


@pytest.fixture
def seeded(db: Database) -> Database:
    """The store with the hand-computed fortnight."""
    with db.connection() as conn:
        seed_metrics(History(conn))
        seed_exceptions(conn)
        seed_alerts(conn)
    return db


def test_weeks_follow_the_configured_zone() -> None:
    week = last_complete_week(NOW, SETTINGS.zone)
    assert (week.label, week.start, week.end) == ("2026-W47", at("11-15T23:00"), at("11-22T23:00"))
    assert parse_week("2026-w47", SETTINGS.zone) == week
    assert last_complete_week(at("11-22T22:59"), SETTINGS.zone).label == "2026-W46"
    assert last_complete_week(at("11-22T23:00"), SETTINGS.zone).label == "2026-W47"
    assert week.previous(SETTINGS.zone).label == "2026-W46"
    with pytest.raises(WeekError, match="not an ISO week"):
        parse_week("2026-47", SETTINGS.zone)


def without_total(level: Level) -> Level:
    """A level without its converted total (no exchange rates are loaded in these weeks)."""
    assert level.total is None or level.total.amount_minor is None
    return level.model_copy(update={"total": None})


def test_every_figure_matches_the_hand_computed_week(seeded: Database) -> None:
    with seeded.connection() as conn:
        report = build_weekly_report(conn, SETTINGS, None, NOW)
    assert (report.week, report.previous_week) == ("2026-W47", "2026-W46")
    flows = {f.flow: f for f in report.flows}
    invoices = flows["invoice_billing_to_erp"]
    assert invoices.attainment == pytest.approx(0.8)
    assert invoices.attainment_prev == pytest.approx(0.74)
    assert (invoices.lag_p95_seconds, invoices.lag_p95_prev) == (900, 1800)
    assert flows["account_crm_to_erp"] == FlowKpi(
        flow="account_crm_to_erp", attainment=1.0, attainment_prev=None,
        lag_p95_seconds=None, lag_p95_prev=None,
    )  # fmt: skip
    assert flows["payment_billing_to_erp"].attainment is None
    assert without_total(report.unmatched_accounts["netsuite"]) == Level(
        count=3, count_prev=4,
        amounts=[Money(amount_minor=5_000_000, currency="JPY"),
                 Money(amount_minor=1_200_000, currency="USD")],
        amounts_prev=[Money(amount_minor=900_000, currency="USD")],
    )  # fmt: skip
    assert without_total(report.unmatched_accounts["stripe"]) == Level(
        count=None, count_prev=None, amounts=[], amounts_prev=[]
    )
    assert without_total(report.stuck_amendments) == Level(
        count=2, count_prev=1, amounts=[Money(amount_minor=250_000, currency="EUR")],
        amounts_prev=[],
    )  # fmt: skip
    assert without_total(report.posting_failures) == Level(
        count=3, count_prev=0, amounts=[Money(amount_minor=420_000, currency="USD")],
        amounts_prev=[],
    )  # fmt: skip
    top = [(e.amount.currency, e.external_id, e.amount.amount_minor) for e in report.top_exceptions]
    assert top == [
        ("EUR", "a0B", 250_000),
        ("JPY", "in_J", 5_000),
        ("USD", "001C", 1_000_000),
        ("USD", "in_A", 420_000),
        ("USD", "in_F", 300),
        ("USD", "in_G", 200),
        ("USD", "in_H", 150),
    ]
    assert report.top_exceptions[3] == TopException(
        system="stripe", object_type="invoice", external_id="in_A",
        metrics=["posting_failures", "sla_breaches"], amount=Money(amount_minor=420_000,
        currency="USD"), since=at("11-20T00:00"), owner="finance",
    )  # fmt: skip
    # W47: the critical fires and resolves in 2 h, acknowledged after 30 min; a warning fires,
    # resolves in 1 h, fires again and is acknowledged after 90 min; the W46 warning (its
    # return from stale is no new incident) resolves after 6 days.
    assert report.alerts == AlertKpi(
        fired=3, fired_prev=1, fired_by_severity={"critical": 1, "warning": 2},
        acknowledged=2, mtta_seconds=3600, resolved=3,
        mttr_seconds=(7200 + 3600 + 6 * 86400) / 3,
    )  # fmt: skip


def test_report_message_words_every_figure(seeded: Database) -> None:
    with seeded.connection() as conn:
        report = build_weekly_report(conn, SETTINGS, "2026-W47", NOW)
    message = report_message(report, SETTINGS)
    assert message.headline == (
        "SLA attainment 90.0% across flows; $4,200.00 in posting failures; 3 alerts fired."
    )
    lines = {
        (s.title, ln.label): (ln.value, ln.change)
        for s in message.sections
        if isinstance(s, ReportSection)
        for ln in s.lines
    }
    assert lines["SLA attainment (weekly mean)", "Invoices → ERP"] == (
        "80.0%", "+6.0 pts vs last week",
    )  # fmt: skip
    assert lines["Sync lag p95 (weekly mean)", "Invoices → ERP"] == (
        "15 min", "-15 min vs last week",
    )  # fmt: skip
    tables = {s.title: s for s in message.sections if isinstance(s, ReportTable)}
    changes = {
        row.label: [(f.value, f.previous) for f in row.figures]
        for row in tables["What changed this week"].rows
    }
    # W47 finds in_A, in_D and in_F…in_J (in_E only after it ends) and fixes in_D; W46 nothing.
    assert changes["Invoice failed to post"] == [
        ("7 · ¥5,000, $13,207.70", "0"),
        ("1 · $9,000.00", "0"),
        ("6 · ¥5,000, $4,207.70", "0"),
    ]
    assert changes["Account without customer"] == [
        ("0", "0"), ("0", "0"), ("1 · $10,000.00", "1 · $10,000.00"),
    ]  # fmt: skip
    # Without exchange rates each currency's largest comes first, then each one's second…
    assert [row.label for row in tables["Largest new risks"].rows] == [
        "Stripe invoice in_J", "Stripe invoice in_A", "Salesforce amendment a0B",
        "Stripe invoice in_F", "Stripe invoice in_G",
    ]  # fmt: skip
    top = "Stripe invoice in_A (Invoice failed to post, Past SLA)"
    assert lines["Largest open risks, per currency", top] == (
        "$4,200.00", "open since 20 Nov 2026, owner finance",
    )  # fmt: skip
    assert lines["Alerts", "Mean time to resolve"] == ("2 d 1 h", "3 resolved")
    assert lines["Alerts", "Alerts fired"] == ("3 (1 critical, 2 warning)", "+2 vs last week")


def test_send_stores_replaces_and_queues_once_per_week(seeded: Database) -> None:
    first = send_weekly_report(seeded, SETTINGS, NOW)
    with seeded.connection() as conn:
        conn.execute(
            "UPDATE metric_point SET value = 9 WHERE value = 3 AND ts = %s", (at("11-22T20:00"),)
        )
    second = send_weekly_report(seeded, SETTINGS, NOW)
    assert first.unmatched_accounts["netsuite"].count == 3
    assert second.unmatched_accounts["netsuite"].count == 9
    with seeded.connection() as conn:
        assert conn.execute("SELECT count(*) FROM kpi_report").fetchone() == (1,)
        assert load_report(conn, "2026-W47") == second
        rows = conn.execute(
            "SELECT idempotency_key, kind, channel, payload FROM notification_outbox"
        ).fetchall()
        assert len(rows) == 1
        key, kind, channel, payload = rows[0]
        assert (key, kind, channel) == ("weekly-report:2026-W47", "report", "#exec-kpis")
        message = Envelope.model_validate(payload).message
        assert isinstance(message, ReportMessage)
        assert message == report_message(second, SETTINGS)
        conn.execute("UPDATE notification_outbox SET status = 'sent'")
    send_weekly_report(seeded, SETTINGS, NOW)
    with seeded.connection() as conn:
        assert conn.execute("SELECT count(*) FROM notification_outbox").fetchone() == (1,)


@pytest.mark.parametrize("fmt", ["md", "html", "json", "slack"])
def test_cli_renders_a_week(
    seeded: Database, fmt: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "syncwatch.yaml"
    config.write_text("timezone: Europe/Berlin\ndashboard_url: http://dash.example\n")
    monkeypatch.setenv("DATABASE_URL", seeded.url)
    context = AppContext(config_path=config, clock=Clock(NOW))
    result = CliRunner().invoke(
        report_cli.app, ["weekly", "--week", "2026-W47", "--format", fmt], obj=context
    )
    context.close()
    assert result.exit_code == 0, result.output
    if fmt == "json":
        document = json.loads(result.output)
        assert (document["week"], document["alerts"]["fired"]) == ("2026-W47", 3)
    elif fmt == "slack":
        blocks = json.loads(result.output)["blocks"]
        assert block_kit_problems(blocks) == []
        assert blocks[0]["text"]["text"] == ":bar_chart: Weekly sync health"
    elif fmt == "md":
        assert result.output.startswith("# Weekly sync health — 2026-W47")
    else:
        assert "<h2>Largest open risks, per currency</h2>" in result.output


@pytest.mark.slow
def test_report_over_a_computed_sandbox_store(db: Database) -> None:
    """Figures over a generated world computed three times agree with the stored points."""
    world_now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    spec = WorldSpec(seed=11, profile=Profile.model_validate({"accounts": 300}), now=world_now)
    settings = Settings(dashboard_url="http://dash.example")
    evaluations = {}
    for instant in (at("11-12T12:00"), at("11-18T12:00"), world_now):
        with db.connection() as conn, conn.transaction():
            for loaded in rows(iter_bundles(spec), instant):
                upsert_records(conn, loaded.records, at=instant)
                append_events(conn, loaded.events)
        evaluations[instant] = compute(db, settings, instant)
        with db.connection() as conn:
            roll_up(conn, instant)

    def value(instant: datetime, name: str, **labels: str) -> float | None:
        found = [m.value for m in evaluations[instant].metrics
                 if m.name == name and labels.items() <= m.labels.items()]  # fmt: skip
        return sum(found) if found else None

    with db.connection() as conn:
        report = build_weekly_report(conn, settings, "2026-W47", NOW)
    this = (at("11-18T12:00"), world_now)
    for flow in report.flows:
        seen = [v for t in this if (v := value(t, "sla_attainment", flow=flow.flow)) is not None]
        expected = sum(seen) / len(seen) if seen else None
        assert flow.attainment == pytest.approx(expected), flow.flow
        assert flow.attainment_prev == pytest.approx(
            value(at("11-12T12:00"), "sla_attainment", flow=flow.flow)
        )
    assert any(f.attainment is not None for f in report.flows)
    assert report.posting_failures.count == value(world_now, "posting_failures")
    assert report.payment_posting_failures is not None
    assert report.payment_posting_failures.count == value(world_now, "payment_posting_failures")
    assert report.stuck_amendments.count == value(world_now, "stuck_amendments")
    for currency_amount in report.posting_failures.amounts:
        assert currency_amount.amount_minor == value(
            world_now, "posting_failures_amount", currency=currency_amount.currency
        )
    assert len(report.top_exceptions) <= 5 * len({e.amount.currency for e in report.top_exceptions})
    # What is still open when the week ends is what the week's last compute counted.
    assert report.changes is not None
    for change in report.changes:
        open_items = change.this_week.still_open
        counted = value(world_now, change.metric, **change.labels)
        assert open_items.count == (counted or 0), (change.metric, change.labels)
        assert open_items.count == (
            change.last_week.still_open.count + change.this_week.new.count
            - change.this_week.fixed.count
        )  # fmt: skip
    failures = next(c for c in report.changes if c.metric == "posting_failures")
    assert failures.this_week.still_open.amounts == report.posting_failures.amounts
    assert any(c.this_week.new.count for c in report.changes)
    assert report.new_risks
    payload = render(report_message(report, settings))
    assert block_kit_problems(payload.blocks) == []
