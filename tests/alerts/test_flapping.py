"""A flapping alert is said once, with how many changes; then nothing until it settles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.clock import Clock
from core.config import Settings
from core.database import Database
from syncwatch.commands.alerts import app as alerts_app
from syncwatch.context import AppContext
from tests.alerts.alert_world import MINUTE, T0, history, outbox, step
from tests.alerts.standin import Slack, running_slack

SOURCE = {"source": "stripe"}
RULE = {"name": "stripe-errors", "metric": "collector_failed_runs", "labels": SOURCE,
        "threshold": 0, "title": "Stripe polls failing", "repeat_interval": "24h"}  # fmt: skip


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Slack]:
    with running_slack(monkeypatch) as running:
        yield running


def config(slack: Slack, flapping: dict[str, object] | None) -> Settings:
    return Settings.model_validate(
        {
            "alerts": {"defaults": False, "rules": [RULE], "flapping": flapping},
            "slack": slack.section,
            "dashboard_url": "https://syncwatch.example.com",
        }
    )


def run(db: Database, slack: Slack, cfg: Settings, at: datetime, failing: bool) -> None:
    step(db, cfg, at, [("collector_failed_runs", SOURCE, 2.0 if failing else 0.0, "count")])
    slack.deliver(db, cfg, at)


def flapping_since(db: Database) -> tuple[datetime | None, int | None]:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT flapping_since, flap_changes FROM alert WHERE rule = %s", (RULE["name"],)
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def flap(db: Database, slack: Slack, cfg: Settings, start: datetime, times: int) -> datetime:
    """Fire and resolve in turn every five minutes, ``times`` evaluations; the next instant."""
    at = start
    for i in range(times):
        run(db, slack, cfg, at, failing=i % 2 == 0)
        at += 5 * MINUTE
    return at


def test_flapping_is_said_once_then_settles_firing(db: Database, slack: Slack) -> None:
    cfg = config(slack, {"changes": 4, "window": "1h"})
    at = flap(db, slack, cfg, T0, 4)  # fire, resolve, fire, resolve: two ordinary incidents
    assert len(slack.posts("sync-alerts")) == 2
    assert flapping_since(db) == (None, None)

    run(db, slack, cfg, at, failing=True)  # the fifth change within the hour: flapping
    assert flapping_since(db) == (at, 5)
    posts = slack.posts("sync-alerts")
    assert len(posts) == 3
    assert posts[-1]["text"].startswith(
        "[FIRING] Stripe polls failing: Flapping: changed state 5 times within 1 h. Nothing "
        "more is sent about it until it has been stable for 1 h."
    )
    calls = len(slack.standin.calls())
    at = flap(db, slack, cfg, at + 5 * MINUTE, 9)  # it keeps flapping: Slack hears nothing
    assert len(slack.standin.calls()) == calls
    assert flapping_since(db)[1] == 13  # it was firing already: eight more changes

    at -= 5 * MINUTE  # its last change (it fired again then)
    for _ in range(11):  # firing without a change, not yet for an hour
        at += 5 * MINUTE
        run(db, slack, cfg, at, failing=True)
    assert len(slack.standin.calls()) == calls
    run(db, slack, cfg, at + 5 * MINUTE, failing=True)  # stable for the whole hour: settled
    assert flapping_since(db) == (None, None)
    assert slack.replies("sync-alerts")[-1] == ("Stopped flapping: still firing (Stripe at 2)")
    [update] = slack.standin.calls("chat.update")[-1:]
    assert update.params["ts"] == slack.posts("sync-alerts")[-1]["ts"]
    assert len(slack.posts("sync-alerts")) == 3
    events = [to for _, to in history(db, "stripe-errors")]
    assert events.count("flapping") == 1 and events.count("settled") == 1


def test_flapping_detected_on_a_resolution_settles_resolved(db: Database, slack: Slack) -> None:
    cfg = config(slack, {"changes": 3, "window": "30m"})
    at = flap(db, slack, cfg, T0, 4)  # the fourth change (a resolution) is one too many
    assert flapping_since(db)[1] == 4
    [*_, notice] = slack.replies("sync-alerts")
    assert notice.startswith("Flapping: changed state 4 times within 30 min.")
    # The message stays open and says it flaps; the incident is not closed meanwhile.
    [*_, flapping] = [r for r in outbox(db) if r.kind == "update"]
    assert flapping.message["state"] == "firing"
    assert flapping.message["summary"].startswith("Flapping: changed state 4 times")
    calls = len(slack.standin.calls())
    at = flap(db, slack, cfg, at, 3)  # fire, resolve, fire
    for _ in range(7):  # resolved for half an hour
        run(db, slack, cfg, at, failing=False)
        at += 5 * MINUTE
    assert len(slack.standin.calls()) == calls + 2  # only the settled resolution: update, reply
    assert slack.replies("sync-alerts")[-1].startswith("Stopped flapping and resolved, after")
    assert [r.message["state"] for r in outbox(db) if r.kind == "update"][-1] == "resolved"
    run(db, slack, cfg, at, failing=True)  # a fresh firing is an ordinary incident again
    assert slack.posts("sync-alerts")[-1]["text"].startswith("[FIRING] Stripe polls failing: ")
    assert "Flapping" not in slack.posts("sync-alerts")[-1]["text"]


def test_without_flap_detection_every_change_is_sent(db: Database, slack: Slack) -> None:
    cfg = config(slack, None)
    flap(db, slack, cfg, T0, 10)
    assert len(slack.posts("sync-alerts")) == 5
    assert flapping_since(db) == (None, None)


def test_a_flapping_window_restarts_nothing_in_an_ordinary_alert(
    db: Database, slack: Slack
) -> None:
    cfg = config(slack, {"changes": 4, "window": "1h"})
    at = T0
    for _ in range(3):  # fire and resolve every 40 minutes: never five changes in an hour
        run(db, slack, cfg, at, failing=True)
        run(db, slack, cfg, at + 20 * MINUTE, failing=False)
        at += 40 * MINUTE
    assert flapping_since(db) == (None, None)
    assert len(slack.posts("sync-alerts")) == 3
    assert all("Flapping" not in p["text"] for p in slack.posts("sync-alerts"))
    assert timedelta(0) < at - T0


def test_alerts_list_says_an_alert_flaps(
    db: Database, slack: Slack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cfg = config(slack, {"changes": 4, "window": "1h"})
    at = flap(db, slack, cfg, T0, 5)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.chdir(tmp_path)  # no syncwatch.yaml here: the defaults and $DATABASE_URL
    context = AppContext(config_path=None, clock=Clock(at))
    result = CliRunner().invoke(alerts_app, ["list"], obj=context)
    context.close()
    assert result.exit_code == 0, result.output
    listed = " ".join(result.output.split())
    assert "flapping since" in listed and "(5 changes)" in listed
