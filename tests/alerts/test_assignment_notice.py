"""An assignee hears of their exception items in Slack: a direct message through the outbox to
the Slack stand-in (real HTTP), with what each item is, its money, the note and a link to it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from alerts.assignment_notice import LISTED, notify_assignee
from core import users
from core.config import Settings
from core.database import Database
from metrics import exception_actions
from metrics.exception_selection import ItemFilter
from sandbox.slack_faults import ApiError
from sandbox.slack_standin import StandInUser
from tests.alerts.standin import Slack, running_slack
from tests.metrics.exception_world import AT, PASSWORD, add_item

FRANK = StandInUser("U0FRANK", "frank", "Frank.Ode@example.com", "Frank Ode")
DASHBOARD = "https://syncwatch.example.com"


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Any:
    with running_slack(monkeypatch, users=(FRANK,)) as running:
        yield running


def _settings(slack: Slack) -> Settings:
    return Settings.model_validate(
        {"slack": slack.section, "dashboard_url": DASHBOARD, "timezone": "Europe/Paris"}
    )


def _people(db: Database) -> None:
    with db.connection() as conn:
        users.add_user(conn, "fiona", PASSWORD, ["finance"], actor="seed", at=AT)
        users.add_user(conn, "frank", PASSWORD, ["finance"], actor="seed", at=AT,
                       email="frank.ode@example.com")  # fmt: skip


def _direct_messages(slack: Slack) -> list[dict[str, Any]]:
    """Frank's direct messages (none while the conversation was never opened)."""
    try:
        return slack.standin.messages(f"dm-{FRANK.id}")
    except ApiError as exc:
        assert exc.error == "channel_not_found"
        return []


def _button_url(message: dict[str, Any]) -> str:
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    return str(actions["elements"][0]["url"])


def test_the_assignee_gets_a_direct_message_with_a_link_to_the_item(
    db: Database, slack: Slack
) -> None:
    _people(db)
    item = add_item(db, "in_1", amount_minor=1234_50, since=timedelta(hours=3))
    settings = _settings(slack)
    with db.connection() as conn, conn.transaction():
        outcome = exception_actions.assign(
            conn, item, assignee="frank", actor="fiona", at=AT, note="call <Acme> & ask"
        )
        enqueued = notify_assignee(conn, settings, outcome)
    assert enqueued is not None and enqueued.created
    slack.deliver(db, settings, AT)
    [message] = _direct_messages(slack)
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith("*fiona assigned you an exception item*\n")
    assert (
        "Invoice failed to post: Stripe invoice in_1, $1,234.50, open since "
        "2026-11-21 07:00 CET (3 h ago)" in text
    )
    assert "Note from fiona: call &lt;Acme&gt; &amp; ask" in text
    assert _button_url(message) == f"{DASHBOARD}/?item={item}"
    # Delivered once: a second pass and a second enqueue of the same assignment send nothing.
    with db.connection() as conn:
        again = notify_assignee(conn, settings, outcome)
    assert again is not None and not again.created
    slack.deliver(db, settings, AT + timedelta(minutes=1))
    assert len(_direct_messages(slack)) == 1


def test_a_bulk_assignment_is_one_message_listing_the_largest_items(
    db: Database, slack: Slack
) -> None:
    _people(db)
    amounts = [100_00 * (n + 1) for n in range(LISTED + 2)]
    ids = [add_item(db, f"in_{n}", amount_minor=a) for n, a in enumerate(amounts)]
    settings = _settings(slack)
    with db.connection() as conn, conn.transaction():
        outcome = exception_actions.act(
            conn, "assign", ItemFilter(ids=tuple(ids)), actor="fiona", at=AT, assignee="frank"
        )
        notify_assignee(conn, settings, outcome)
    slack.deliver(db, settings, AT)
    [message] = _direct_messages(slack)
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith("*fiona assigned you 7 exception items worth $2,800.00*\n")
    listed = [line for line in text.splitlines() if line.startswith("• #")]
    assert [line.split()[1] for line in listed] == [f"#{i}" for i in reversed(ids)][:LISTED]
    assert text.endswith("…and 2 more")
    assert _button_url(message) == f"{DASHBOARD}/finance"


def test_no_message_when_nothing_was_assigned_or_people_take_items_themselves(
    db: Database, slack: Slack
) -> None:
    _people(db)
    item = add_item(db, "in_1")
    settings = _settings(slack)
    with db.connection() as conn, conn.transaction():
        own = exception_actions.assign(conn, item, assignee="frank", actor="frank", at=AT)
        same = exception_actions.assign(conn, item, assignee="frank", actor="fiona", at=AT)
        off = exception_actions.unassign(conn, item, actor="fiona", at=AT)
        told = [notify_assignee(conn, settings, o) for o in (own, same, off)]
    assert told == [None, None, None]
    slack.deliver(db, settings, AT)
    assert _direct_messages(slack) == []
