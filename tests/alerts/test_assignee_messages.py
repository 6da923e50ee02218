"""The person who took an alert hears of its changes of state directly, through the stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alerts.assignments import assign_alert
from alerts.store import EVALUATION_LOCK, load_alerts
from core.config import Settings
from core.database import Database
from sandbox.slack_standin import StandInUser
from tests.alerts.alert_world import MINUTE, T0, outbox, step
from tests.alerts.standin import Slack, running_slack

PRIYA = StandInUser("U0PRIYA", "priya", "priya@example.com")
FLOW = {"flow": "invoice_billing_to_erp"}
RULE = {"name": "dead-letters", "metric": "sync_dead_letters", "labels": FLOW, "threshold": 0,
        "title": "Dead-lettered syncs"}  # fmt: skip


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Slack]:
    with running_slack(monkeypatch, users=(PRIYA,)) as running:
        yield running


def config(slack: Slack, *, direct_messages: bool = True) -> Settings:
    return Settings.model_validate(
        {
            "alerts": {"defaults": False, "rules": [RULE],
                       "routes": [{"channel": "#sync-alerts",
                                   "direct_messages": direct_messages}]},
            "slack": {**slack.section, "users": {PRIYA.id: "priya"}},
            "dashboard_url": "https://syncwatch.example.com",
        }
    )  # fmt: skip


def dead_letters(n: float) -> list[tuple[str, dict[str, str], float, str]]:
    return [("sync_dead_letters", FLOW, n, "count")]


def assign(db: Database, to: str) -> int:
    """Assign the firing alert to ``to``, as Slack's "Assign to me" does."""
    with db.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (EVALUATION_LOCK,))
        [alert] = [a for a in load_alerts(conn).values() if a.rule == RULE["name"]]
        assign_alert(conn, alert, to=to, actor=to, at=T0 + MINUTE)
        assert alert.id is not None
        return alert.id


def direct_messages(slack: Slack) -> list[str]:
    """The text of every direct message the stand-in holds for Priya."""
    [opened] = {c.response["channel"]["id"] for c in slack.standin.calls("conversations.open")
                if c.ok and c.response}  # fmt: skip
    return [str(m["text"]) for m in slack.standin.messages(opened)]


def test_the_assignee_hears_that_the_alert_resolved(db: Database, slack: Slack) -> None:
    cfg = config(slack)
    step(db, cfg, T0, dead_letters(2))
    alert_id = assign(db, "priya")
    step(db, cfg, T0 + 10 * MINUTE, dead_letters(3))  # a new value is not a change of state
    assert [r for r in outbox(db) if r.kind == "dm"] == []
    step(db, cfg, T0 + 20 * MINUTE, dead_letters(0))
    [dm] = [r for r in outbox(db) if r.kind == "dm"]
    assert dm.channel == "@priya"
    assert dm.message == {
        "kind": "notice",
        "title": "An alert you took resolved",
        "text": "Dead-lettered syncs (Invoices → ERP) resolved. Resolved after 20 min",
        "url": f"https://syncwatch.example.com/alerts?alert={alert_id}",
        "url_label": f"Open alert #{alert_id}",
    }
    slack.deliver(db, cfg, T0 + 20 * MINUTE)
    [text] = direct_messages(slack)
    assert "An alert you took resolved" in text
    step(db, cfg, T0 + 30 * MINUTE, dead_letters(0))
    assert len([r for r in outbox(db) if r.kind == "dm"]) == 1


def test_nobody_assigned_no_direct_message(db: Database, slack: Slack) -> None:
    cfg = config(slack)
    step(db, cfg, T0, dead_letters(2))
    step(db, cfg, T0 + 20 * MINUTE, dead_letters(0))
    assert [r.kind for r in outbox(db)] == ["post", "update", "reply"]


def test_a_route_can_turn_direct_messages_off(db: Database, slack: Slack) -> None:
    cfg = config(slack, direct_messages=False)
    step(db, cfg, T0, dead_letters(2))
    assign(db, "priya")
    step(db, cfg, T0 + 20 * MINUTE, dead_letters(0))
    assert [r.kind for r in outbox(db)] == ["post", "update", "reply"]
