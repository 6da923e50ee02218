"""Direct messages to a syncwatch user through the outbox, and finding people in Slack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from slack_sdk import WebClient

from alerts.enqueue import enqueue_direct_message
from alerts.messages import Notice
from alerts.outbox import dead_notifications, deliver_due
from alerts.slack_users import SlackUserError, slack_user_id, syncwatch_identity
from core.config import Settings
from core.database import Database
from sandbox.slack_standin import DropConnection, SlackStandIn
from testkit.servers import running_app
from tests.alerts.alert_world import MINUTE, T0
from tests.alerts.slack_world import ADA, BOT_TOKEN, FIONA, IVAN, PEOPLE, STRANGER, add_people
from tests.alerts.slack_world import settings as button_settings


@dataclass
class Slack:
    """The stand-in with its people, settings pointing at it, and a bot client."""

    standin: SlackStandIn
    settings: Settings
    client: WebClient


@pytest.fixture
def slack(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Slack]:
    """ivan, fiona and ada in syncwatch; everyone in the stand-in's workspace."""
    monkeypatch.setenv("SYNCWATCH_TEST_BUTTONS_BOT", BOT_TOKEN)
    add_people(db)
    standin = SlackStandIn(BOT_TOKEN, channels=("alerts",), users=PEOPLE)
    with running_app(standin.app) as url:
        config = button_settings(url, {"mode": "http", "port": 3000})
        yield Slack(standin, config, WebClient(token=BOT_TOKEN, base_url=url + "/api/"))


def notice(n: int = 1) -> Notice:
    return Notice(
        title="You were assigned an exception item",
        text=f"Invoice INV-{n:04d} failed to post to NetSuite ($4,200.00), assigned by fiona.",
        url="https://syncwatch.example.com/finance?item=posting_failures/in_0001",
    )


def test_a_direct_message_opens_the_conversation_and_is_sent_once(
    db: Database, slack: Slack
) -> None:
    with db.connection() as conn:
        first = enqueue_direct_message(conn, user="ivan", message=notice(), key="item-1:ivan")
        again = enqueue_direct_message(conn, user="ivan", message=notice(), key="item-1:ivan")
    assert first.created and not again.created and first.id == again.id

    report = deliver_due(db, slack.settings, T0)
    assert report.sent == 1
    opened = slack.standin.calls("conversations.open")
    assert [c.params["users"] for c in opened] == [IVAN.id]
    channel = opened[0].response["channel"]["id"] if opened[0].response else ""
    sent = slack.standin.messages(channel)
    assert len(sent) == 1 and sent[0]["text"].startswith("You were assigned an exception item: ")
    assert sent[0]["blocks"][-1]["elements"][0]["url"].endswith("item=posting_failures/in_0001")
    assert deliver_due(db, slack.settings, T0 + MINUTE).sent == 0


def test_a_direct_message_cut_off_after_sending_is_adopted_not_repeated(
    db: Database, slack: Slack
) -> None:
    slack.standin.fail_next("chat.postMessage", DropConnection())
    with db.connection() as conn:
        enqueue_direct_message(conn, user="ivan", message=notice(2), key="item-2:ivan")
    assert deliver_due(db, slack.settings, T0).retrying == 1
    assert deliver_due(db, slack.settings, T0 + 10 * MINUTE).sent == 1
    channel = slack.standin.calls("conversations.open")[0].response
    assert channel is not None
    assert len(slack.standin.messages(channel["channel"]["id"])) == 1


def test_a_person_slack_does_not_know_is_a_dead_notification_saying_why(
    db: Database, slack: Slack
) -> None:
    with db.connection() as conn:
        enqueue_direct_message(conn, user="nobody", message=notice(), key="item-3:nobody")
    assert deliver_due(db, slack.settings, T0).dead == 1
    with db.connection() as conn:
        dead = dead_notifications(conn)
    assert dead[0].last_error == (
        "Slack has no account for syncwatch user nobody: set their e-mail address "
        "(syncwatch users email) or map them in slack.users"
    )


def test_slack_user_ids_come_from_the_map_first_then_the_email(db: Database, slack: Slack) -> None:
    with db.connection() as conn:
        # ada is mapped by her Slack id; ivan found by his e-mail address in another case.
        assert slack_user_id(conn, slack.client, slack.settings, "ada") == ADA.id
        assert slack_user_id(conn, slack.client, slack.settings, "ivan") == IVAN.id
        assert slack_user_id(conn, slack.client, slack.settings, "fiona") == FIONA.id
        assert slack_user_id(conn, slack.client, slack.settings, "nobody") is None
    assert [c.params["email"] for c in slack.standin.calls("users.lookupByEmail")] == [
        "ivan.petrov@EXAMPLE.com",
        "fiona@example.com",
    ]


def test_slack_users_are_named_by_the_map_then_their_profile_email(
    db: Database, slack: Slack
) -> None:
    with db.connection() as conn:
        ada = syncwatch_identity(conn, slack.client, slack.settings, ADA.id)
        ivan = syncwatch_identity(conn, slack.client, slack.settings, IVAN.id)
        with pytest.raises(SlackUserError, match=r"\(sam@elsewhere.example\) is not linked"):
            syncwatch_identity(conn, slack.client, slack.settings, STRANGER.id)
    assert (ada.name, ada.roles) == ("ada", frozenset({"admin"}))
    assert (ivan.name, ivan.roles) == ("ivan", frozenset({"integration"}))
    # The map answers without asking Slack; the e-mail needs users.info.
    assert [c.params["user"] for c in slack.standin.calls("users.info")] == [IVAN.id, STRANGER.id]


def test_proxy_identities_are_matched_by_email_with_their_configured_roles(
    db: Database, slack: Slack
) -> None:
    proxied = Settings.model_validate(
        {
            **slack.settings.model_dump(by_alias=True),
            "auth": {"mode": "proxy", "trusted_proxies": ["127.0.0.1/32"],
                     "roles": {STRANGER.email: ["integration"]}},
        }
    )  # fmt: skip
    with db.connection() as conn:
        sam = syncwatch_identity(conn, slack.client, proxied, STRANGER.id)
    assert (sam.name, sam.roles) == (STRANGER.email, frozenset({"integration"}))
