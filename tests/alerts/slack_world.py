"""A firing alert posted to the Slack stand-in, people in Slack and in syncwatch, and the way
Slack reaches syncwatch (the interactivity endpoint or Socket Mode), for the button tests."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pytest

from alerts.outbox import deliver_due
from alerts.slack_interactivity import Interactivity, start_interactivity
from core import users
from core.clock import Clock
from core.config import Settings
from core.database import Database
from sandbox.slack_standin import SlackStandIn, StandInUser
from testkit.servers import running_app
from tests.alerts.alert_world import MINUTE, T0, step

BOT_TOKEN = "xoxb-test-buttons-7c1e"
APP_TOKEN = "xapp-1-test-buttons-51aa"
SIGNING_SECRET = "test-signing-secret-3b9d0e"
ENV = {
    "SYNCWATCH_TEST_BUTTONS_BOT": BOT_TOKEN,
    "SYNCWATCH_TEST_BUTTONS_APP": APP_TOKEN,
    "SYNCWATCH_TEST_BUTTONS_SIGNING": SIGNING_SECRET,
}
INVOICES = {"flow": "invoice_billing_to_erp"}
RULE = {"name": "invoice-breaches", "metric": "sla_breaches", "labels": INVOICES,
        "threshold": 0, "route": "#alerts", "repeat_interval": "1h",
        "title": "Invoices breach their sync SLA"}  # fmt: skip

IVAN = StandInUser("U0IVAN", "ivan", "Ivan.Petrov@example.com", "Ivan Petrov")
FIONA = StandInUser("U0FIONA", "fiona", "fiona@example.com", "Fiona Chen")
ADA = StandInUser("U0ADA", "ada", "ada.slack@example.com", "Ada Byron")
STRANGER = StandInUser("U0STRANGER", "sam", "sam@elsewhere.example", "Sam Stranger")
PEOPLE = (IVAN, FIONA, ADA, STRANGER)

T = TypeVar("T")


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def eventually(check: Callable[[], T | None], what: str, timeout: float = 15) -> T:
    """Poll ``check`` until it returns something truthy, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def breaches(value: float) -> list[tuple[str, dict[str, str], float, str]]:
    """One compute's sla_breaches value for the invoice flow."""
    return [("sla_breaches", INVOICES, value, "count")]


@dataclass
class Buttons:
    """Everything a button test touches."""

    db: Database
    standin: SlackStandIn
    settings: Settings
    clock: Clock
    interactivity: Interactivity

    def at(self, minutes: float) -> datetime:
        """Move the simulated clock to ``minutes`` after the alert first fired."""
        instant = T0 + minutes * MINUTE
        self.clock.start = instant
        return instant

    def evaluate(self, minutes: float, value: float) -> None:
        """Compute ``value`` and evaluate at ``minutes``, then deliver, as the scheduler does."""
        at = self.at(minutes)
        step(self.db, self.settings, at, breaches(value))
        deliver_due(self.db, self.settings, at)

    def alert(self) -> dict[str, Any]:
        """The rule's one alert: id, state, who acknowledged and who took it."""
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT id, state, acknowledged_by, assigned_to FROM alert "
                "WHERE rule = 'invoice-breaches'"
            ).fetchone()
        assert row is not None
        return dict(zip(("id", "state", "acknowledged_by", "assigned_to"), row, strict=True))

    def message(self) -> dict[str, Any]:
        """The alert's message in #alerts as Slack holds it now."""
        top = [m for m in self.standin.messages("alerts") if "thread_ts" not in m]
        assert len(top) == 1
        return top[0]

    def blocks(self) -> str:
        """The alert message's blocks as JSON text."""
        return json.dumps(self.message()["blocks"], ensure_ascii=False)

    def replies(self) -> list[str]:
        """The texts said in the alert's thread, oldest first."""
        return [m["text"] for m in self.standin.messages("alerts") if "thread_ts" in m]

    def action_ids(self) -> list[str]:
        """The action ids of the message's buttons, in order."""
        actions = [b for b in self.message()["blocks"] if b["type"] == "actions"]
        return [e["action_id"] for e in actions[-1]["elements"]]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a query on the store."""
        with self.db.connection() as conn:
            return list(conn.execute(sql).fetchall())


def settings(slack_url: str, interactivity: dict[str, Any]) -> Settings:
    """The rule, Slack at ``slack_url``, ada mapped by her Slack id, this interactivity."""
    return Settings.model_validate(
        {
            "alerts": {"defaults": False, "rules": [RULE]},
            "sources": {},
            "timezone": "Europe/Berlin",
            "dashboard_url": "https://syncwatch.example.com",
            "slack": {
                "token_env": "SYNCWATCH_TEST_BUTTONS_BOT",
                "base_url": slack_url + "/api/",
                "interactivity": interactivity,
                "users": {ADA.id: "ada"},
            },
        }
    )


def add_people(db: Database) -> None:
    """ivan (integration) and fiona (finance) with their Slack e-mail addresses (ivan's in
    another case), ada (admin) with none: she is mapped by her Slack id."""
    with db.connection() as conn:
        users.add_user(conn, "ivan", "pw", ["integration"], actor="test", at=T0,
                       email="ivan.petrov@EXAMPLE.com")  # fmt: skip
        users.add_user(conn, "fiona", "pw", ["finance"], actor="test", at=T0,
                       email="fiona@example.com")  # fmt: skip
        users.add_user(conn, "ada", "pw", ["admin"], actor="test", at=T0)


@contextmanager
def buttons_world(db: Database, monkeypatch: pytest.MonkeyPatch, *, mode: str) -> Iterator[Buttons]:
    """A firing alert posted with its buttons, and Slack reaching syncwatch in ``mode``."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    add_people(db)
    port = free_port()
    standin = SlackStandIn(
        BOT_TOKEN, channels=("alerts",), users=PEOPLE, app_token=APP_TOKEN,
        signing_secret=SIGNING_SECRET,
        interactivity_url=f"http://127.0.0.1:{port}/slack/interactions",
    )  # fmt: skip
    with running_app(standin.app) as slack_url:
        standin.address = slack_url
        config = settings(slack_url, {
            "mode": mode, "host": "127.0.0.1", "port": port,
            "signing_secret_env": "SYNCWATCH_TEST_BUTTONS_SIGNING",
            "app_token_env": "SYNCWATCH_TEST_BUTTONS_APP",
        })  # fmt: skip
        clock = Clock(T0)
        interactivity = start_interactivity(db, config, clock)
        assert interactivity is not None
        try:
            world = Buttons(db, standin, config, clock, interactivity)
            world.evaluate(0, 3)
            yield world
        finally:
            interactivity.stop()
