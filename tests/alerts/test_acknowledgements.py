"""Acknowledging alerts: who and when, events and audit, roles, Slack, re-fires, MTTA and the CLI.

The alerts are evaluated by the real engine on a simulated clock, and their messages delivered
to the Slack stand-in over loopback HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from alerts.acknowledgements import AcknowledgementError, change_acknowledgement
from alerts.outbox import deliver_due
from alerts.weekly import build_weekly_report
from core import users
from core.clock import Clock
from core.config import Settings
from core.database import Database
from core.roles import Identity
from sandbox.slack_standin import SlackStandIn
from syncwatch.commands.alerts import app
from syncwatch.context import AppContext
from testkit.servers import running_app
from tests.alerts.alert_world import MINUTE, T0, outbox, step

TOKEN = "xoxb-test-ack-secret"
TOKEN_ENV = "SYNCWATCH_TEST_ACK_SLACK_TOKEN"
INVOICES = {"flow": "invoice_billing_to_erp"}
RULE = {"name": "invoice-breaches", "metric": "sla_breaches", "labels": INVOICES,
        "threshold": 0, "route": "#alerts", "repeat_interval": "1h",
        "title": "Invoices breach their sync SLA"}  # fmt: skip
IVAN = Identity("ivan", frozenset({"integration"}))
FIONA = Identity("fiona", frozenset({"finance"}))
ADA = Identity("ada", frozenset({"admin"}))


def config(slack_url: str = "http://127.0.0.1:1/api/") -> Settings:
    """One rule that repeats every hour, with Slack at ``slack_url``."""
    return Settings.model_validate(
        {
            "alerts": {"defaults": False, "rules": [RULE]},
            "sources": {},
            "dashboard_url": "https://syncwatch.example.com",
            "slack": {"token_env": TOKEN_ENV, "base_url": slack_url},
        }
    )


def breaches(value: float) -> list[tuple[str, dict[str, str], float, str]]:
    return [("sla_breaches", INVOICES, value, "count")]


def alert_row(db: Database) -> dict[str, Any]:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT id, state, acknowledged_by, acknowledged_at FROM alert "
            "WHERE rule = 'invoice-breaches'"
        ).fetchone()
    assert row is not None
    return dict(zip(("id", "state", "by", "at"), row, strict=True))


def ack(
    db: Database, settings: Settings, who: Identity, at: datetime, *, undo: bool = False
) -> Any:
    with db.connection() as conn:
        return change_acknowledgement(
            conn, settings, alert_row(db)["id"], "unacknowledge" if undo else "acknowledge",
            identity=who, at=at,
        )  # fmt: skip


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SlackStandIn, Settings]]:
    """The Slack stand-in with #alerts, and settings that point at it."""
    standin = SlackStandIn(TOKEN, channels=("alerts",))
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with running_app(standin.app) as url:
        yield standin, config(url + "/api/")


def test_acknowledge_and_withdraw_are_events_and_audited(db: Database) -> None:
    settings = config()
    step(db, settings, T0, breaches(3))
    alert_id = alert_row(db)["id"]

    first = ack(db, settings, IVAN, T0 + 5 * MINUTE)
    assert first.changed and first.message == (
        f"Alert #{alert_id} (invoice-breaches: Invoices → ERP) acknowledged by ivan."
    )
    assert alert_row(db) | {"id": 0} == {"id": 0, "state": "firing", "by": "ivan",
                                         "at": T0 + 5 * MINUTE}  # fmt: skip
    again = ack(db, settings, ADA, T0 + 6 * MINUTE)
    assert not again.changed and again.acknowledged_by == "ivan"
    assert "already acknowledged by ivan (2026-11-23 08:05 UTC): nothing changed" in again.message

    withdrawn = ack(db, settings, ADA, T0 + 7 * MINUTE, undo=True)
    assert withdrawn.changed and (withdrawn.acknowledged_by, withdrawn.acknowledged_at) == (
        None, None,
    )  # fmt: skip
    assert alert_row(db)["by"] is None
    nothing = ack(db, settings, ADA, T0 + 8 * MINUTE, undo=True)
    assert not nothing.changed and "is not acknowledged: nothing to withdraw" in nothing.message

    with db.connection() as conn:
        events = conn.execute(
            "SELECT ts, from_state, to_state, actor FROM alert_event WHERE alert_id = %s "
            "AND actor IS NOT NULL ORDER BY id",
            (alert_id,),
        ).fetchall()
        audit = conn.execute(
            "SELECT actor, action, target_id, details ->> 'rule' FROM audit_log "
            "WHERE action LIKE 'alert.%%' ORDER BY id"
        ).fetchall()
    assert events == [
        (T0 + 5 * MINUTE, "firing", "acknowledged", "ivan"),
        (T0 + 7 * MINUTE, "firing", "unacknowledged", "ada"),
    ]
    assert audit == [
        ("ivan", "alert.acknowledge", str(alert_id), "invoice-breaches"),
        ("ada", "alert.unacknowledge", str(alert_id), "invoice-breaches"),
    ]


def test_only_open_alerts_and_the_right_roles(db: Database) -> None:
    settings = config()
    rule = {**RULE, "for": "10m"}
    pending = Settings.model_validate({**settings.model_dump(by_alias=True),
                                       "alerts": {"defaults": False, "rules": [rule]}})  # fmt: skip
    step(db, pending, T0, breaches(3))
    assert alert_row(db)["state"] == "pending"
    with pytest.raises(AcknowledgementError, match="is pending, not firing: only a firing alert"):
        ack(db, pending, IVAN, T0)
    with db.connection() as conn, pytest.raises(AcknowledgementError, match="no alert #999"):
        change_acknowledgement(conn, settings, 999, "acknowledge", identity=IVAN, at=T0)
    step(db, pending, T0 + 10 * MINUTE, breaches(3))
    with pytest.raises(AcknowledgementError) as refused:
        ack(db, pending, FIONA, T0 + 11 * MINUTE)
    assert str(refused.value) == (
        "fiona may not acknowledge alerts: that takes the integration or admin role "
        "(ask an administrator to grant one)"
    )
    with db.connection() as conn:
        written = conn.execute(
            "SELECT (SELECT count(*) FROM alert_event WHERE actor IS NOT NULL), "
            "(SELECT count(*) FROM audit_log WHERE action LIKE 'alert.%%')"
        ).fetchone()
    assert written == (0, 0) and alert_row(db)["by"] is None
    assert ack(db, pending, ADA, T0 + 12 * MINUTE).changed


def test_acknowledged_alert_is_not_repeated_but_its_message_updates(
    db: Database, slack: tuple[SlackStandIn, Settings]
) -> None:
    standin, settings = slack
    step(db, settings, T0, breaches(3))
    deliver_due(db, settings, T0)
    assert [c.method for c in standin.calls() if c.method.startswith("chat.")] == [
        "chat.postMessage"
    ]

    outcome = ack(db, settings, IVAN, T0 + 5 * MINUTE)
    assert [(e.kind, e.created) for e in outcome.enqueued] == [("update", True), ("reply", True)]
    deliver_due(db, settings, T0 + 5 * MINUTE)
    update = standin.calls("chat.update")[-1]
    assert update.ok
    assert "acknowledged by ivan" in update.params["text"]
    assert "Acknowledged by *ivan* <!date^" in json.dumps(update.params["blocks"])
    assert standin.messages("alerts")[-1]["text"] == "Acknowledged by ivan"

    # Three quiet hours with the same value: the hourly repeat does not come.
    rows = len(outbox(db))
    for minutes in range(30, 181, 30):
        step(db, settings, T0 + minutes * MINUTE, breaches(3))
    assert len(outbox(db)) == rows
    # A real change still updates the message in place, which still says who is on it.
    step(db, settings, T0 + 200 * MINUTE, breaches(9))
    deliver_due(db, settings, T0 + 200 * MINUTE)
    changed = standin.calls("chat.update")[-1]
    assert changed.ok and "*9*" in json.dumps(changed.params["blocks"])
    assert "Acknowledged by *ivan*" in json.dumps(changed.params["blocks"])
    assert standin.messages("alerts")[-1]["text"].startswith("Changed — ")
    assert not [c for c in standin.calls("chat.postMessage") if "Still firing" in
                str(c.params.get("text"))]  # fmt: skip

    # Withdrawn: the message drops the name and the repeats resume.
    ack(db, settings, IVAN, T0 + 210 * MINUTE, undo=True)
    step(db, settings, T0 + 270 * MINUTE, breaches(9))
    deliver_due(db, settings, T0 + 270 * MINUTE)
    texts = [m["text"] for m in standin.messages("alerts")]
    assert "Acknowledgement withdrawn by ivan" in texts
    assert texts[-1].startswith("Still firing after 4 h 30 min")
    assert "Acknowledged by" not in json.dumps(standin.calls("chat.update")[-1].params["blocks"])


def test_resolution_ends_the_acknowledgement_and_a_refire_starts_unacknowledged(
    db: Database, slack: tuple[SlackStandIn, Settings]
) -> None:
    standin, settings = slack
    step(db, settings, T0, breaches(3))
    ack(db, settings, IVAN, T0 + 5 * MINUTE)
    step(db, settings, T0 + 10 * MINUTE, breaches(0))
    resolved = alert_row(db)
    # Resolution clears the acknowledgement (the events keep who acknowledged)…
    assert (resolved["state"], resolved["by"]) == ("resolved", None)
    with db.connection() as conn:
        acked = conn.execute(
            "SELECT actor FROM alert_event WHERE to_state = 'acknowledged'"
        ).fetchall()
    assert acked == [("ivan",)]
    # …but it is over: nothing to withdraw, and nothing to acknowledge until it fires again.
    assert not ack(db, settings, IVAN, T0 + 11 * MINUTE, undo=True).changed
    with pytest.raises(AcknowledgementError, match="is resolved, not firing"):
        ack(db, settings, IVAN, T0 + 11 * MINUTE)

    step(db, settings, T0 + 20 * MINUTE, breaches(4))
    refired = alert_row(db)
    assert (refired["state"], refired["by"], refired["at"]) == ("firing", None, None)
    deliver_due(db, settings, T0 + 20 * MINUTE)
    posts = standin.calls("chat.postMessage")
    assert "Acknowledged" not in json.dumps(posts[-1].params["blocks"])
    # Unacknowledged again, so the new incident repeats on schedule.
    step(db, settings, T0 + 81 * MINUTE, breaches(4))
    assert any("Still firing" in json.dumps(r.message) for r in outbox(db))


def test_mean_time_to_acknowledge_comes_from_a_real_acknowledgement(db: Database) -> None:
    settings = config()
    step(db, settings, T0, breaches(3))
    ack(db, settings, IVAN, T0 + 25 * MINUTE)
    with db.connection() as conn:
        report = build_weekly_report(conn, settings, "2026-W48", T0 + 7 * 24 * 60 * MINUTE)
    assert (report.alerts.acknowledged, report.alerts.mtta_seconds) == (1, 25 * 60)


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A firing alert, ivan (integration) and fiona (finance); the config file for the CLI."""
    config_file = tmp_path / "syncwatch.yaml"
    config_file.write_text(
        "alerts:\n  defaults: false\n  rules:\n"
        "    - {name: invoice-breaches, metric: sla_breaches, "
        "labels: {flow: invoice_billing_to_erp}, threshold: 0, route: '#alerts'}\n",
        encoding="utf-8",
    )
    step(db, config(), T0, breaches(3))
    with db.connection() as conn:
        users.add_user(conn, "ivan", "pw", ["integration"], actor="test", at=T0)
        users.add_user(conn, "fiona", "pw", ["finance"], actor="test", at=T0)
    monkeypatch.setenv("DATABASE_URL", db.url)
    yield config_file


def test_cli_ack_unack_and_list(db: Database, cli_db: Path) -> None:
    alert_id = str(alert_row(db)["id"])

    def run(*args: str, at: datetime = T0 + 5 * MINUTE) -> str:
        context = AppContext(config_path=cli_db, clock=Clock(at))
        result = CliRunner().invoke(app, list(args), obj=context)
        context.close()
        assert result.exit_code == 0, result.output
        return result.output

    assert "acknowledged by ivan." in run("ack", alert_id, "--by", "ivan")
    listed = run("list", at=T0 + 65 * MINUTE)
    # The table wraps at the test console's 80 columns, so only short cells are matched.
    assert f"│ {alert_id} " in listed and "ivan" in listed and "1 h ago" in listed
    assert "already acknowledged by ivan" in run("ack", alert_id, "--by", "ivan")
    assert "no longer acknowledged by ivan" in run("unack", alert_id, "--by", "ivan")
    assert "ivan" not in run("list")


@pytest.mark.parametrize(
    ("args", "problem", "fix"),
    [
        (["ack", "{id}", "--by", "nobody"], "--by: there is no syncwatch user named 'nobody'",
         "syncwatch users add nobody --role integration"),
        (["ack", "{id}", "--by", "fiona"], "fiona may not acknowledge alerts",
         "ask an administrator to grant one"),
        (["unack", "999", "--by", "ivan"], "there is no alert #999",
         "see `syncwatch alerts list` for the ids"),
    ],
    ids=["unknown-user", "without-the-role", "unknown-alert"],
)  # fmt: skip
def test_cli_refusals_are_one_line_with_the_fix(
    db: Database, cli_db: Path, args: list[str], problem: str, fix: str
) -> None:
    alert_id = str(alert_row(db)["id"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCWATCH_")}
    result = subprocess.run(
        [sys.executable, "-m", "syncwatch", "--config", str(cli_db), "--now",
         "2026-11-23T08:05:00Z", "alerts", *(a.format(id=alert_id) for a in args)],
        env={**env, "DATABASE_URL": db.url, "COLUMNS": "200"}, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert problem in lines[0] and fix in lines[0]
    assert alert_row(db)["by"] is None
