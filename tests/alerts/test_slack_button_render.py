"""The buttons, assignees and "who did what" line of an alert people act on from Slack, and a
direct message: golden Block Kit and Slack's limits."""

from __future__ import annotations

import json
from datetime import timedelta

from alerts import slack_buttons as buttons
from alerts.messages import Activity, AlertMessage, Notice
from alerts.slack import render
from sandbox.block_kit import block_kit_problems
from tests.alerts import samples
from tests.alerts.golden import assert_golden, block_kit_json

GROUP = "4f1c0e9a7b2d6c3e8a5f0b1d"


def actionable() -> AlertMessage:
    """The posting-failure alert as Slack users act on it: ivan acknowledged and took the first
    line, and has just snoozed it for four hours."""
    message = samples.acknowledged_alert()
    first, second = message.lines
    return message.model_copy(
        update={
            "lines": [
                first.model_copy(update={"alert_id": 12, "assigned_to": "ivan"}),
                second.model_copy(update={"alert_id": 13}),
            ],
            "group_key": GROUP,
            "activity": Activity(
                action="snoozed", by="ivan", at=samples.STARTED + timedelta(minutes=20),
                until=samples.STARTED + timedelta(hours=4, minutes=20),
            ),
        }
    )  # fmt: skip


def test_golden_actionable_alert() -> None:
    payload = render(actionable())
    assert block_kit_problems(payload.blocks) == []
    assert_golden("alert_actionable.json", block_kit_json(payload))


def test_the_buttons_act_on_the_incident_it_was_posted_for() -> None:
    payload = render(actionable())
    elements = payload.blocks[-1]["elements"]
    assert [e["text"]["text"] for e in elements] == [
        "Acknowledge", "Snooze 1 h", "Snooze 4 h", "Assign to me", "Open in syncwatch",
        "Open dashboard", "Runbook",
    ]  # fmt: skip
    target = buttons.parse_value(elements[0]["value"])
    assert target == buttons.Target(GROUP, samples.STARTED)
    assert elements[0]["style"] == "primary"
    context = payload.blocks[-2]["elements"][0]["text"]
    assert context.startswith(":zzz: Snoozed for 4 h by *ivan* <!date^")
    assert ":bust_in_silhouette: Assigned to *ivan*" in json.dumps(payload.blocks)
    assert "assigned to ivan" in payload.text


def test_every_line_acknowledged_offers_unacknowledge() -> None:
    message = actionable()
    acked = [ln.model_copy(update={"acknowledged_by": "ada"}) for ln in message.lines]
    elements = render(message.model_copy(update={"lines": acked})).blocks[-1]["elements"]
    assert elements[0]["action_id"] == buttons.UNACKNOWLEDGE and "style" not in elements[0]


def test_a_resolved_alert_has_no_buttons_that_act() -> None:
    message = actionable().model_copy(update={"state": "resolved", "alerts_url": None})
    payload = render(message)
    ids = [e["action_id"] for e in payload.blocks[-1]["elements"]]
    assert ids == ["open_dashboard", "open_runbook"]
    assert "Snoozed" not in json.dumps(payload.blocks)


def test_a_huge_actionable_alert_stays_within_slacks_limits() -> None:
    message = samples.lag_alert(flows=60, records=12).model_copy(
        update={"group_key": GROUP, "alerts_url": "http://dash.example/alerts?rule=sync_lag",
                "activity": actionable().activity}
    )  # fmt: skip
    payload = render(message)
    assert block_kit_problems(payload.blocks) == []
    assert len(payload.blocks) <= 50
    assert "…and 39 more flows" in json.dumps(payload.blocks, ensure_ascii=False)
    assert len(payload.blocks[-1]["elements"]) <= 25
    assert payload.blocks[-2]["elements"][0]["text"].startswith(":zzz: Snoozed")


def test_golden_direct_message() -> None:
    note = Notice(
        title="You were assigned an exception item",
        text="Invoice INV-0042 failed to post to NetSuite ($4,200.00) <since Monday>.",
        url="https://syncwatch.example.com/finance?item=posting_failures/in_0042",
    )
    payload = render(note)
    assert block_kit_problems(payload.blocks) == []
    assert "&lt;since Monday&gt;" in payload.blocks[0]["text"]["text"]
    assert_golden("direct_message.json", block_kit_json(payload))
