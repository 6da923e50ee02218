"""The Slack stand-in on loopback with the team channels, for tests that deliver what alerts say."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from alerts.outbox import deliver_due
from core.config import Settings
from core.database import Database
from sandbox.slack_standin import SlackStandIn, StandInUser
from testkit.servers import running_app

TOKEN = "xoxb-routing-test-token"
TOKEN_ENV = "SYNCWATCH_TEST_ROUTING_SLACK_TOKEN"
CHANNELS = ("sync-alerts", "finance-ops", "revops")


@dataclass
class Slack:
    """The running stand-in and the ``slack`` settings section that points at it."""

    standin: SlackStandIn
    section: dict[str, Any]

    def deliver(self, db: Database, settings: Settings, at: datetime) -> None:
        """One delivery pass, as the scheduler's ``deliver`` job runs it; nothing may fail."""
        report = deliver_due(db, settings, at)
        assert (report.retrying, report.dead) == (0, 0), report

    def posts(self, channel: str) -> list[dict[str, Any]]:
        """The top-level messages of a channel (replies left out), oldest first."""
        return [m for m in self.standin.messages(channel) if m.get("thread_ts") in (None, m["ts"])]

    def replies(self, channel: str) -> list[str]:
        """The text of every thread reply in a channel, oldest first."""
        return [
            str(m["text"])
            for m in self.standin.messages(channel)
            if m.get("thread_ts") not in (None, m["ts"])
        ]


@contextmanager
def running_slack(
    monkeypatch: pytest.MonkeyPatch, users: tuple[StandInUser, ...] = ()
) -> Iterator[Slack]:
    """A stand-in with the three team channels (and ``users``), its token in the environment."""
    standin = SlackStandIn(TOKEN, channels=CHANNELS, users=users)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with running_app(standin.app) as url:
        yield Slack(standin, {"token_env": TOKEN_ENV, "base_url": url + "/api/"})
