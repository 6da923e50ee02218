"""Two routes and a quiet window, evaluated on a simulated clock and delivered to the stand-in.

Finance's warnings wait out 20:00–08:00 (Berlin) and arrive once, as they then stand; a critical
rule on the same route arrives at once; the catch-all route to #sync-alerts has no quiet hours.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.config import Settings
from core.database import Database
from tests.alerts.alert_world import Value, outbox, step
from tests.alerts.standin import Slack, running_slack

INVOICES = {"flow": "invoice_billing_to_erp"}
EVENING = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)  # Monday 20:30 in Berlin
MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tuesday 08:00 in Berlin: the window ends
MINUTE = timedelta(minutes=1)
RULES = [
    {"name": "invoice-breaches", "metric": "sla_breaches", "labels": INVOICES, "threshold": 0,
     "owner": "finance", "severity": "warning", "title": "Invoices past their SLA"},
    {"name": "posting", "metric": "posting_failures", "aggregate": "sum", "threshold": 0,
     "owner": "finance", "severity": "critical", "title": "Invoices failed to post"},
    {"name": "dead-letters", "metric": "sync_dead_letters", "labels": INVOICES, "threshold": 0,
     "owner": "integration", "title": "Dead-lettered syncs"},
]  # fmt: skip


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Slack]:
    with running_slack(monkeypatch) as running:
        yield running


def config(slack: Slack) -> Settings:
    return Settings.model_validate(
        {
            "timezone": "Europe/Berlin",
            "alerts": {
                "defaults": False,
                "rules": RULES,
                "routes": [
                    {
                        "match": {"owner": "finance", "severity": ["critical", "warning"]},
                        "channel": "#finance-ops",
                        "quiet_hours": {"start": "20:00", "end": "08:00"},
                    },
                    {"channel": "#sync-alerts"},
                ],
            },
            "slack": slack.section,
            "dashboard_url": "https://syncwatch.example.com",
        }
    )


def values(breaches: float, failures: float = 0, dead: float = 0) -> Sequence[Value]:
    return [
        ("sla_breaches", INVOICES, breaches, "count"),
        ("posting_failures", {"age_bucket": "lt_1h"}, failures, "count"),
        ("sync_dead_letters", INVOICES, dead, "count"),
    ]


def run(db: Database, slack: Slack, cfg: Settings, at: datetime, current: Sequence[Value]) -> None:
    """One compute, evaluation and delivery pass at ``at``."""
    step(db, cfg, at, current)
    slack.deliver(db, cfg, at)


def alert_lines(message: dict[str, Any]) -> list[float]:
    return [line["value"] for line in message["lines"]]


def test_warnings_wait_for_the_morning_and_arrive_once_critical_at_once(
    db: Database, slack: Slack
) -> None:
    cfg = config(slack)
    run(db, slack, cfg, EVENING - 60 * MINUTE, values(0))
    run(db, slack, cfg, EVENING, values(2, failures=3, dead=1))
    # The critical finance rule and the other route's alert go out at once...
    [posting] = slack.posts("finance-ops")
    assert posting["text"].startswith("[FIRING] Invoices failed to post")
    [dead] = slack.posts("sync-alerts")
    assert dead["text"].startswith("[FIRING] Dead-lettered syncs")
    # ...the finance warning is held, with nothing in the outbox for it.
    assert not [r for r in outbox(db) if r.message.get("rule") == "invoice-breaches"]

    at = EVENING
    for breaches in (4, 7, 5, 9):  # the night: it keeps changing, and Slack hears nothing
        at += 90 * MINUTE
        run(db, slack, cfg, at, values(breaches, failures=3, dead=1))
    assert len(slack.posts("finance-ops")) == 1
    # Critical goes through the night: its repeat is the only thing #finance-ops hears.
    assert slack.replies("finance-ops") == ["Still firing after 4 h 30 min: all at 3"]

    run(db, slack, cfg, MORNING - MINUTE, values(9, failures=3, dead=1))
    assert len(slack.posts("finance-ops")) == 1
    run(db, slack, cfg, MORNING, values(9, failures=3, dead=1))
    held = [r for r in outbox(db) if r.message.get("rule") == "invoice-breaches"]
    assert [(r.kind, r.channel) for r in held] == [("post", "#finance-ops")]
    message = held[0].message
    # Sent as it stands now, and since it began in the evening.
    assert (message["state"], alert_lines(message)) == ("firing", [9])
    assert message["started_at"].startswith("2026-11-23T19:30")
    assert len(slack.posts("finance-ops")) == 2

    for minutes in (5, 10, 30):  # never doubled
        run(db, slack, cfg, MORNING + minutes * MINUTE, values(9, failures=3, dead=1))
    assert len([r for r in outbox(db) if r.message.get("rule") == "invoice-breaches"]) == 1
    assert len(slack.posts("finance-ops")) == 2


def test_an_incident_that_begins_and_ends_in_the_night_is_one_message_in_the_morning(
    db: Database, slack: Slack
) -> None:
    cfg = config(slack)
    run(db, slack, cfg, EVENING, values(3))
    run(db, slack, cfg, EVENING + 120 * MINUTE, values(0))
    run(db, slack, cfg, EVENING + 240 * MINUTE, values(0))
    assert slack.posts("finance-ops") == []
    run(db, slack, cfg, MORNING, values(0))
    [recap] = [r for r in outbox(db) if r.message.get("rule") == "invoice-breaches"]
    assert (recap.kind, recap.message["state"]) == ("post", "resolved")
    assert recap.message["started_at"].startswith("2026-11-23T19:30")
    assert recap.message["resolved_at"].startswith("2026-11-23T21:30")
    [posted] = slack.posts("finance-ops")
    assert posted["text"].startswith("[RESOLVED] Invoices past their SLA")
    run(db, slack, cfg, MORNING + 30 * MINUTE, values(0))
    assert len(slack.standin.calls("chat.postMessage")) == 1


def test_a_message_posted_before_the_night_is_updated_once_in_the_morning(
    db: Database, slack: Slack
) -> None:
    cfg = config(slack)
    afternoon = EVENING - 4 * 60 * MINUTE
    run(db, slack, cfg, afternoon, values(2))
    [post] = slack.posts("finance-ops")
    at = EVENING
    for breaches in (6, 11, 4, 13):
        at += 60 * MINUTE
        run(db, slack, cfg, at, values(breaches))
    assert slack.standin.calls("chat.update") == [] and slack.replies("finance-ops") == []
    run(db, slack, cfg, MORNING, values(13))
    assert len(slack.standin.calls("chat.update")) == 1
    assert slack.replies("finance-ops") == ["Changed — Invoices → ERP: 2 → 13"]
    [updated] = slack.posts("finance-ops")
    assert updated["ts"] == post["ts"] and "13" in updated["text"]
