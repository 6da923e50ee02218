"""The weekly report's money totals in the reporting currency, at the week's last ECB rates.

W47 of 2026 in Europe/Berlin ends on Sunday 22 Nov; its last rate date is Friday 20 Nov.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from alerts.messages import Money, ReportMessage
from alerts.report_html import to_html
from alerts.report_markdown import to_markdown
from alerts.slack import render
from alerts.weekly import WeeklyReport, build_weekly_report
from alerts.weekly_message import report_message
from alerts.weekly_totals import Total
from core.config import Settings
from core.database import Database
from core.fx.load import load_rates
from sandbox.block_kit import block_kit_problems
from tests.alerts import samples
from tests.alerts.golden import assert_golden

SETTINGS = Settings(timezone="Europe/Berlin", dashboard_url="http://dash.example")
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
IN_W47 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RATES = (
    "Date,USD,JPY,GBP,\n"
    "2026-11-20,1.08,162.00,0.85,\n"
    "2026-11-19,1.07,161.00,0.84,\n"
    "2026-11-23,1.10,170.00,0.86,\n"  # after the week: never used for it
)
AMOUNTS = {"USD": 420_000, "JPY": 5_000_000, "EUR": 100_000, "CHF": 50_000}


@pytest.fixture
def week_at_risk(db: Database) -> Database:
    """Two posting failures at the end of W47, with money in four currencies."""
    with db.connection() as conn:
        series = [("posting_failures", "count", {}, 2.0)] + [
            ("posting_failures_amount", "minor", {"currency": c}, float(a))
            for c, a in AMOUNTS.items()
        ]
        for name, unit, labels, value in series:
            row = conn.execute(
                "INSERT INTO metric_series (name, labels, unit) VALUES (%s, %s, %s) RETURNING id",
                (name, json.dumps(labels), unit),
            ).fetchone()
            assert row is not None
            conn.execute(
                "INSERT INTO metric_point (series_id, ts, value) VALUES (%s, %s, %s)",
                (row[0], IN_W47, value),
            )
    return db


def load(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(RATES, encoding="utf-8")
    load_rates(db, str(path), NOW)


def posting_line(db: Database, settings: Settings) -> tuple[Total | None, str]:
    """The posting failures' total, and their money as the headline words it."""
    with db.connection() as conn:
        report = build_weekly_report(conn, settings, "2026-W47", NOW)
    headline = report_message(report, settings).headline
    # "SLA attainment …; <money> in posting failures; 0 alerts fired."
    money = headline.split("; ", 1)[1].split(" in posting failures;")[0]
    return report.posting_failures.total, money


def test_the_total_covers_the_currencies_with_a_rate_and_names_the_others(
    week_at_risk: Database, tmp_path: Path
) -> None:
    load(week_at_risk, tmp_path)
    total, value = posting_line(week_at_risk, SETTINGS)
    # $4,200.00 + ¥5,000,000 × 1.08 / 162 + €1,000.00 × 1.08 = $38,613.33…; CHF has no rate.
    assert total == Total(
        currency="USD", as_of=date(2026, 11, 22), amount_minor=3_861_333,
        rate_date=date(2026, 11, 20), left_out=["CHF"],
    )  # fmt: skip
    assert value == (
        "CHF\u00a0500.00, €1,000.00, ¥5,000,000, $4,200.00 "
        "(≈ $38,613.33 at ECB rates of 20 Nov 2026; CHF left out: no rate)"
    )


def test_a_report_in_yen_rounds_to_whole_yen(week_at_risk: Database, tmp_path: Path) -> None:
    load(week_at_risk, tmp_path)
    total, value = posting_line(
        week_at_risk, SETTINGS.model_copy(update={"reporting_currency": "JPY"})
    )
    # ¥5,000,000 + $4,200.00 × 162 / 1.08 + €1,000.00 × 162 = ¥5,792,000
    assert total is not None and total.amount_minor == 5_792_000
    assert value.endswith("(≈ ¥5,792,000 at ECB rates of 20 Nov 2026; CHF left out: no rate)")


def test_without_any_rate_the_report_shows_the_amounts_alone(week_at_risk: Database) -> None:
    total, value = posting_line(week_at_risk, SETTINGS)
    assert total is not None and (total.amount_minor, total.rate_date) == (None, None)
    assert value.endswith("$4,200.00")


def with_totals() -> WeeklyReport:
    """The sample week, stored before changes were recorded (so its end-of-week levels are
    shown), with totals: one partial, one complete, one without rates."""
    report = samples.stored_before_changes()
    netsuite = report.unmatched_accounts["netsuite"].model_copy(
        update={"total": Total(currency="USD", as_of=date(2026, 11, 22), amount_minor=4_533_333,
                               rate_date=date(2026, 11, 20), left_out=[])}
    )  # fmt: skip
    failures = report.posting_failures.model_copy(
        update={
            "amounts": [*report.posting_failures.amounts, Money(amount_minor=900, currency="KWD")],
            "total": Total(currency="USD", as_of=date(2026, 11, 22), amount_minor=420_000,
                           rate_date=date(2026, 11, 20), left_out=["KWD"]),
        }
    )  # fmt: skip
    return report.model_copy(
        update={
            "unmatched_accounts": {**report.unmatched_accounts, "netsuite": netsuite},
            "posting_failures": failures,
        }
    )


RENDERERS: dict[str, Callable[[ReportMessage], str]] = {"md": to_markdown, "html": to_html}


@pytest.mark.parametrize("suffix", sorted(RENDERERS))
def test_golden_report_with_totals(suffix: str) -> None:
    message = report_message(with_totals(), SETTINGS)
    assert_golden(f"weekly_report_fx.{suffix}", RENDERERS[suffix](message))


def test_slack_shows_the_totals_within_its_limits() -> None:
    payload = render(report_message(with_totals(), SETTINGS))
    assert block_kit_problems(payload.blocks) == []
    text = json.dumps(payload.as_dict(), ensure_ascii=False)
    assert "(≈ $45,333.33 at ECB rates of 20 Nov 2026)" in text
    assert "(≈ $4,200.00 at ECB rates of 20 Nov 2026; KWD left out: no rate) in posting" in text
