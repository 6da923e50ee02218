"""The same buttons through Socket Mode: syncwatch connects out, Slack sends envelopes back.

The stand-in hands out a ``ws://`` URL from ``apps.connections.open`` (app-level token only),
greets the connection with ``hello`` and sends each click as an ``interactive`` envelope that
syncwatch must acknowledge by its ``envelope_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from alerts import slack_buttons as buttons
from alerts.slack_interactions import InteractionHandler
from alerts.slack_socket import SocketModeListener
from core.clock import Clock
from core.database import Database
from sandbox.slack_standin import SlackStandIn
from testkit.servers import running_app
from tests.alerts.alert_world import T0
from tests.alerts.slack_world import (
    APP_TOKEN,
    BOT_TOKEN,
    FIONA,
    IVAN,
    Buttons,
    buttons_world,
    eventually,
    settings,
)


@pytest.fixture
def world(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Buttons]:
    """The alert is firing and posted; syncwatch is connected to Slack over Socket Mode."""
    with buttons_world(db, monkeypatch, mode="socket") as ready:
        listener = ready.interactivity
        assert isinstance(listener, SocketModeListener)
        assert listener.connected.wait(15), "Socket Mode did not connect"
        yield ready


def test_a_click_over_socket_mode_acts_and_updates_the_message(world: Buttons) -> None:
    opened = world.standin.calls("apps.connections.open")
    assert [c.ok for c in opened] == [True]
    assert opened[0].response is not None and opened[0].response["url"].startswith("ws://")
    assert world.standin.socket_mode.connections == 1

    world.at(5)
    # Returns once syncwatch has acknowledged the envelope by its id.
    assert world.standin.click_over_socket("alerts", buttons.ACKNOWLEDGE, user=IVAN.id)
    eventually(lambda: world.alert()["acknowledged_by"] == "ivan", "the acknowledgement")
    eventually(lambda: "Acknowledged by ivan" in world.replies(), "the thread reply")
    assert "Acknowledged by *ivan* <!date^" in world.blocks()
    assert world.action_ids()[0] == buttons.UNACKNOWLEDGE

    world.at(6)
    assert world.standin.click_over_socket("alerts", buttons.ASSIGN_ME, user=IVAN.id)
    eventually(lambda: "Assigned to *ivan*" in world.blocks(), "the assignment on the message")


def test_a_refused_click_over_socket_mode_is_answered_and_changes_nothing(
    world: Buttons,
) -> None:
    assert world.standin.click_over_socket("alerts", buttons.SNOOZE_4H, user=FIONA.id)
    answers = eventually(world.standin.answers, "the answer")
    assert answers[0]["text"].startswith(
        "fiona may not snooze alerts: that takes the integration or admin role"
    )
    assert world.rows("SELECT count(*) FROM silence") == [(0,)]


def test_a_wrong_app_token_is_retried_and_never_logged(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    standin = SlackStandIn(BOT_TOKEN, app_token=APP_TOKEN)
    wrong = "xapp-1-not-the-app-token-9f9f"
    with running_app(standin.app) as url:
        config = settings(url, {"mode": "socket"})
        listener = SocketModeListener(InteractionHandler(db, config, Clock(T0).now),
                                      url + "/api/", wrong)  # fmt: skip
        listener.start()
        try:
            eventually(lambda: "Slack Socket Mode: could not connect" in caplog.text,
                       "the failed connection")  # fmt: skip
            assert not listener.connected.is_set()
        finally:
            listener.stop()
    refused = standin.calls("apps.connections.open")
    assert refused and refused[0].response == {"ok": False, "error": "invalid_auth"}
    assert wrong not in caplog.text and APP_TOKEN not in caplog.text
