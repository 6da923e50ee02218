"""Acting on an alert from its Slack buttons, end to end over real HTTP and a real PostgreSQL.

The Slack stand-in posts the click to the interactivity endpoint exactly as Slack does (a
form-encoded ``block_actions`` payload signed with the app's signing secret); the endpoint acts
as the syncwatch user behind the Slack account, and the alert's message is updated in place
through the outbox.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from functools import partial

import pytest

from alerts import slack_buttons as buttons
from alerts.acknowledgements import change_acknowledgement
from alerts.outbox import deliver_due
from core.database import Database
from core.roles import Identity
from sandbox.slack_standin import ServerError, StandInUser
from tests.alerts.alert_world import MINUTE, T0, outbox
from tests.alerts.slack_world import (
    ADA,
    FIONA,
    IVAN,
    SIGNING_SECRET,
    STRANGER,
    Buttons,
    buttons_world,
    eventually,
)


@pytest.fixture
def world(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Buttons]:
    """The alert is firing and posted; Slack reaches syncwatch's interactivity endpoint."""
    with buttons_world(db, monkeypatch, mode="http") as ready:
        yield ready


def test_the_message_carries_the_buttons(world: Buttons) -> None:
    assert world.action_ids() == [
        buttons.ACKNOWLEDGE, buttons.SNOOZE_1H, buttons.SNOOZE_4H, buttons.ASSIGN_ME,
        buttons.OPEN_ALERT, "open_dashboard",
    ]  # fmt: skip
    actions = world.message()["blocks"][-1]["elements"]
    alert_id = world.alert()["id"]
    assert actions[4]["url"] == f"https://syncwatch.example.com/alerts?alert={alert_id}"
    target = buttons.parse_value(actions[0]["value"])
    assert target is not None and target.started_at == T0
    assert all(len(a["text"]["text"]) <= 75 for a in actions)


def test_acknowledge_updates_the_message_in_place_saying_who(world: Buttons) -> None:
    world.at(5)
    assert world.standin.click("alerts", buttons.ACKNOWLEDGE, user=IVAN.id) == 200

    # ivan is found by the e-mail address of his Slack profile (in another case).
    eventually(lambda: world.alert()["acknowledged_by"] == "ivan", "the acknowledgement")
    eventually(lambda: "Acknowledged by ivan" in world.replies(), "the thread reply")
    blocks = world.blocks()
    assert "Acknowledged by *ivan* <!date^" in blocks  # the context line under the message
    assert world.action_ids()[0] == buttons.UNACKNOWLEDGE
    assert len(world.standin.calls("chat.postMessage")) == 2  # the alert and one reply
    assert world.rows("SELECT to_state, actor, ts FROM alert_event WHERE actor IS NOT NULL") == [
        ("acknowledged", "ivan", T0 + 5 * MINUTE)
    ]
    assert world.rows("SELECT actor, action FROM audit_log WHERE action LIKE 'alert.%'") == [
        ("ivan", "alert.acknowledge")
    ]

    # Unacknowledge from the same message takes it back.
    world.at(7)
    assert world.standin.click("alerts", buttons.UNACKNOWLEDGE, user=IVAN.id) == 200
    eventually(lambda: world.alert()["acknowledged_by"] is None, "the withdrawal")
    eventually(lambda: world.action_ids()[0] == buttons.ACKNOWLEDGE, "the Acknowledge button")
    assert "Acknowledgement withdrawn by *ivan*" in world.blocks()


def test_snooze_silences_exactly_this_alert_for_an_hour_then_it_speaks_again(
    world: Buttons,
) -> None:
    world.at(5)
    assert world.standin.click("alerts", buttons.SNOOZE_1H, user=IVAN.id) == 200
    silences = eventually(
        lambda: world.rows("SELECT matchers, created_by, starts_at, ends_at FROM silence"),
        "the silence",
    )
    assert silences == [
        ({"rule": "invoice-breaches", "flow": "invoice_billing_to_erp"}, "ivan",
         T0 + 5 * MINUTE, T0 + 65 * MINUTE),
    ]  # fmt: skip
    eventually(lambda: "Snoozed for 1 h by *ivan*" in world.blocks(), "the snoozed message")
    eventually(
        lambda: "Snoozed for 1 h by ivan (until 2026-11-23 10:05 CET)" in world.replies(),
        "the thread reply",
    )

    # While snoozed, a tripled value says nothing; once the hour is over it is announced.
    rows = len(outbox(world.db))
    world.evaluate(30, 9)
    world.evaluate(60, 9)
    assert len(outbox(world.db)) == rows
    world.evaluate(66, 9)
    assert any(r.startswith("Changed — ") for r in world.replies())
    assert "*9*" in world.blocks()

    # Snoozing for an hour while a four-hour snooze runs changes nothing and says so.
    world.at(70)
    world.standin.click("alerts", buttons.SNOOZE_4H, user=IVAN.id)
    eventually(lambda: len(world.rows("SELECT id FROM silence")) == 2, "the 4 h silence")
    world.at(71)
    world.standin.click("alerts", buttons.SNOOZE_1H, user=IVAN.id)
    answer = eventually(world.standin.answers, "the answer to the second snooze")
    assert answer == [{"response_type": "ephemeral", "replace_original": False,
                       "text": "This alert is already silenced until 2026-11-23 14:10 CET: "
                               "nothing changed."}]  # fmt: skip
    assert len(world.rows("SELECT id FROM silence")) == 2


def test_assign_to_me_names_the_assignee_on_the_message(world: Buttons) -> None:
    world.at(5)
    # ada is mapped in slack.users by her Slack id (her Slack e-mail is on no syncwatch user).
    assert world.standin.click("alerts", buttons.ASSIGN_ME, user=ADA.id) == 200
    eventually(lambda: world.alert()["assigned_to"] == "ada", "the assignment")
    eventually(lambda: "Assigned to ada" in world.replies(), "the thread reply")
    assert "Assigned to *ada*" in world.blocks()
    assert world.rows("SELECT to_state, note, actor FROM alert_event WHERE actor IS NOT NULL") == [
        ("assigned", "assigned to ada", "ada")
    ]
    assert world.rows(
        "SELECT actor, action, details ->> 'assigned_to' FROM audit_log "
        "WHERE action = 'alert.assign'"
    ) == [("ada", "alert.assign", "ada")]

    world.at(6)
    assert world.standin.click("alerts", buttons.ASSIGN_ME, user=IVAN.id) == 200
    eventually(lambda: world.alert()["assigned_to"] == "ivan", "the reassignment")
    assert world.rows("SELECT note FROM alert_event WHERE to_state = 'assigned' ORDER BY id")[
        -1
    ] == ("assigned to ivan (was ada)",)


@pytest.mark.parametrize(
    ("person", "sentence"),
    [
        (STRANGER, "Your Slack account (sam@elsewhere.example) is not linked to a syncwatch "
                   "user"),
        (FIONA, "fiona may not acknowledge alerts: that takes the integration or admin role"),
    ],
    ids=["unmapped-slack-user", "without-the-role"],
)  # fmt: skip
def test_refused_people_are_told_why_and_nothing_changes(
    world: Buttons, caplog: pytest.LogCaptureFixture, person: StandInUser, sentence: str
) -> None:
    caplog.set_level(logging.WARNING, logger="alerts.slack_actions")
    assert world.standin.click("alerts", buttons.ACKNOWLEDGE, user=person.id) == 200
    answers = eventually(world.standin.answers, "the answer to the refused click")
    assert answers == [
        {"response_type": "ephemeral", "replace_original": False, "text": answers[0]["text"]}
    ]
    assert answers[0]["text"].startswith(sentence)
    assert f"refused a Slack click on alert_acknowledge by {person.id}" in caplog.text
    assert world.alert()["acknowledged_by"] is None
    assert world.rows("SELECT count(*) FROM alert_event WHERE actor IS NOT NULL") == [(0,)]
    assert world.standin.calls("chat.update") == []


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("forged", "forged: the signature does not match the signing secret"),
        ("unsigned", "unsigned: no X-Slack-Signature and X-Slack-Request-Timestamp headers"),
        ("stale", "stale: signed 36"),  # 360 s ago, or a second more by now
    ],
)
def test_forged_unsigned_and_stale_requests_change_nothing_and_are_logged(
    world: Buttons, caplog: pytest.LogCaptureFixture, tamper: str, reason: str
) -> None:
    caplog.set_level(logging.WARNING, logger="alerts.slack_endpoint")
    press = partial(world.standin.press, "alerts", buttons.ACKNOWLEDGE, user=IVAN.id)
    if tamper == "forged":
        request = press(secret="not-the-signing-secret")
    elif tamper == "unsigned":
        request = press(unsigned=True)
    else:
        request = press(signed_at=time.time() - 360)
    assert world.standin.deliver(request) == 401
    assert "refused a Slack interaction request from 127.0.0.1: " + reason in caplog.text
    assert SIGNING_SECRET not in caplog.text
    time.sleep(0.5)
    assert world.alert()["acknowledged_by"] is None
    assert world.rows("SELECT count(*) FROM alert_event WHERE actor IS NOT NULL") == [(0,)]
    assert world.standin.answers() == [] and world.standin.calls("chat.update") == []


def test_a_replayed_request_is_refused(world: Buttons, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="alerts.slack_endpoint")
    world.at(5)
    request = world.standin.press("alerts", buttons.ACKNOWLEDGE, user=IVAN.id)
    assert world.standin.deliver(request) == 200
    eventually(lambda: world.alert()["acknowledged_by"] == "ivan", "the acknowledgement")
    with world.db.connection() as conn:
        change_acknowledgement(
            conn, world.settings, world.alert()["id"], "unacknowledge",
            identity=Identity("ada", frozenset({"admin"})), at=T0 + 6 * MINUTE,
        )  # fmt: skip

    # The same signed request again, within its five minutes: it would acknowledge again.
    assert world.standin.deliver(request) == 401
    assert "replayed: this signed request was received before" in caplog.text
    time.sleep(0.5)
    assert world.alert()["acknowledged_by"] is None


def test_a_slack_outage_delays_the_update_but_neither_loses_nor_doubles_it(
    world: Buttons,
) -> None:
    world.standin.fail_next("chat.update", ServerError(503), ServerError(503))
    world.at(5)
    assert world.standin.click("alerts", buttons.ASSIGN_ME, user=IVAN.id) == 200
    eventually(lambda: world.alert()["assigned_to"] == "ivan", "the assignment")
    eventually(lambda: world.standin.calls("chat.update"), "an update attempt")
    assert "Assigned to *ivan*" not in world.blocks()

    for minutes in (10, 20, 40):
        deliver_due(world.db, world.settings, T0 + minutes * MINUTE)
    updates = [c for c in world.standin.calls("chat.update") if c.ok]
    assert len(updates) == 1
    assert "Assigned to *ivan*" in world.blocks()
    assert world.replies().count("Assigned to ivan") == 1


def test_a_click_on_an_ended_incident_does_nothing_and_says_so(world: Buttons) -> None:
    # Pressed on a client still showing the firing message, arriving once it has resolved.
    request = world.standin.press("alerts", buttons.ACKNOWLEDGE, user=IVAN.id)
    world.evaluate(10, 0)
    assert buttons.ACKNOWLEDGE not in world.action_ids()
    assert world.standin.deliver(request) == 200
    answer = eventually(world.standin.answers, "the answer")
    assert answer[-1]["text"] == "This alert is no longer firing: there is nothing to do."
    assert world.rows("SELECT count(*) FROM alert_event WHERE actor IS NOT NULL") == [(0,)]
