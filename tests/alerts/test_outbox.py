"""Outbox delivery against the Slack stand-in on loopback and a real PostgreSQL, simulated clock."""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from typer.testing import CliRunner

from alerts.messages import AlertMessage, ReportMessage, ThreadReply
from alerts.outbox import DeliveryReport, dead_notifications, deliver_due
from alerts.slack_lookup import METADATA_EVENT
from core.clock import Clock
from core.config import Settings
from core.config.models import SlackSettings
from core.database import Database
from sandbox.slack_standin import (
    DropConnection,
    RateLimited,
    RecordedCall,
    ServerError,
    SlackError,
    SlackStandIn,
)
from syncwatch.commands import notify as notify_cli
from syncwatch.context import AppContext
from testkit.servers import bound_socket, running_app
from tests.alerts import samples

TOKEN = "xoxb-test-4242-secret"
TOKEN_ENV = "SYNCWATCH_TEST_SLACK_TOKEN"
T0 = samples.STARTED


@dataclass
class Slack:
    """The running stand-in and settings that point at it."""

    standin: SlackStandIn
    settings: Settings
    base_url: str


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Slack]:
    """A Slack stand-in with #alerts and #exec-kpis, and the token in the environment."""
    standin = SlackStandIn(TOKEN, channels=("alerts", "exec-kpis", "finance"))
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with running_app(standin.app) as url:
        settings = Settings(slack=SlackSettings(token_env=TOKEN_ENV, base_url=url + "/api/"))
        yield Slack(standin, settings, url)


def enqueue(
    db: Database,
    key: str,
    kind: str,
    message: AlertMessage | ThreadReply | ReportMessage,
    *,
    channel: str = "#alerts",
    parent: int | None = None,
) -> int:
    """Write one outbox row the way the alert engine does."""
    with db.connection() as conn:
        row = conn.execute(
            "INSERT INTO notification_outbox (idempotency_key, kind, channel, payload, parent_id) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (key, kind, channel, json.dumps(samples.envelope(message)), parent),
        ).fetchone()
    assert row is not None
    return int(row[0])


def outbox(db: Database) -> dict[str, dict[str, Any]]:
    """Every outbox row by idempotency key."""
    with db.connection() as conn:
        cur = conn.execute(
            "SELECT idempotency_key, status, attempts, next_attempt_at, last_error, "
            "slack_channel_id, slack_ts FROM notification_outbox ORDER BY id"
        )
        names = [d.name for d in cur.description or []]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def posted_keys(calls: list[RecordedCall]) -> list[str]:
    """Idempotency keys of the posts Slack accepted and answered, in call order."""
    return [
        c.params["metadata"]["event_payload"]["idempotency_key"]
        for c in calls
        if c.method == "chat.postMessage" and c.ok
    ]


def stored_keys(standin: SlackStandIn, channel: str) -> list[str]:
    """Idempotency keys of the messages a channel holds, oldest first."""
    return [
        m["metadata"]["event_payload"]["idempotency_key"]
        for m in standin.messages(channel)
        if m.get("metadata", {}).get("event_type") == METADATA_EVENT
    ]


def incident(db: Database, prefix: str, channel: str = "#alerts") -> list[int]:
    """A post, its in-place update and a thread reply, as the engine writes them."""
    post = enqueue(db, f"{prefix}:post", "post", samples.posting_alert(), channel=channel)
    update = enqueue(
        db, f"{prefix}:update", "update", samples.posting_alert("resolved"),
        channel=channel, parent=post,
    )  # fmt: skip
    reply = enqueue(db, f"{prefix}:reply", "reply", samples.reply(), channel=channel, parent=post)
    return [post, update, reply]


def test_post_update_and_reply_are_delivered_in_order(db: Database, slack: Slack) -> None:
    incident(db, "a1")
    report = deliver_due(db, slack.settings, T0)
    assert report == DeliveryReport(sent=3)
    rows = outbox(db)
    channel_id = slack.standin.channel_id("alerts")
    post_ts = rows["a1:post"]["slack_ts"]
    assert {r["status"] for r in rows.values()} == {"sent"}
    assert {r["slack_channel_id"] for r in rows.values()} == {channel_id}
    assert rows["a1:update"]["slack_ts"] == post_ts
    calls = slack.standin.calls()
    assert [c.method for c in calls] == ["chat.postMessage", "chat.update", "chat.postMessage"]
    assert calls[1].params["ts"] == post_ts and calls[1].params["channel"] == channel_id
    assert calls[2].params["thread_ts"] == post_ts
    messages = slack.standin.messages("alerts")
    assert messages[0]["text"].startswith("[RESOLVED]")
    assert messages[1]["thread_ts"] == post_ts and rows["a1:reply"]["slack_ts"] == messages[1]["ts"]
    assert stored_keys(slack.standin, "alerts") == ["a1:post", "a1:reply"]
    assert deliver_due(db, slack.settings, T0 + timedelta(minutes=1)) == DeliveryReport()


def test_update_waits_for_its_parent_post(db: Database, slack: Slack) -> None:
    slack.standin.fail_next("chat.postMessage", RateLimited(retry_after=45))
    incident(db, "a2")
    report = deliver_due(db, slack.settings, T0)
    assert report.retrying == 1 and report.sent == 0
    assert report.next_attempt_at == T0 + timedelta(seconds=45)
    rows = outbox(db)
    assert [r["status"] for r in rows.values()] == ["pending"] * 3
    assert rows["a2:update"]["attempts"] == 0
    assert deliver_due(db, slack.settings, T0 + timedelta(seconds=44)) == DeliveryReport()
    assert len(slack.standin.calls()) == 1
    report = deliver_due(db, slack.settings, T0 + timedelta(seconds=45))
    assert report.sent == 3
    methods = [c.method for c in slack.standin.calls() if c.ok]
    assert methods[-3:] == ["chat.postMessage", "chat.update", "chat.postMessage"]


def test_permanent_errors_are_dead_visible_and_do_not_block(db: Database, slack: Slack) -> None:
    slack.standin.fail_next("chat.postMessage", SlackError("msg_too_long"))
    post, update, _ = incident(db, "a3")
    later = enqueue(db, "a4:post", "post", samples.posting_alert())
    lost = enqueue(db, "a5:post", "post", samples.posting_alert(), channel="#nowhere")
    report = deliver_due(db, slack.settings, T0)
    assert report == DeliveryReport(sent=1, dead=4)
    rows = outbox(db)
    assert rows["a3:post"]["last_error"] == "msg_too_long"
    assert rows["a3:update"]["last_error"] == "its parent notification is dead"
    assert rows["a5:post"]["last_error"] == "channel_not_found"
    assert rows["a4:post"]["status"] == "sent"
    with db.connection() as conn:
        dead = dead_notifications(conn)
    assert [d.id for d in dead] == [post, update, update + 1, lost]
    assert dead[0].title == "Invoices failing to post to NetSuite" and dead[0].attempts == 1
    assert later not in [d.id for d in dead]


def test_wrong_token_is_dead_and_the_token_is_never_logged(
    db: Database, slack: Slack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slack.standin.fail_next("chat.postMessage", ServerError(503))
    enqueue(db, "b1:post", "post", samples.posting_alert())
    deliver_due(db, slack.settings, T0)
    monkeypatch.setenv(TOKEN_ENV, TOKEN + "-revoked")
    deliver_due(db, slack.settings, T0 + timedelta(hours=1))
    assert outbox(db)["b1:post"]["last_error"] == "invalid_auth"
    assert TOKEN not in caplog.text


def test_rate_limit_honours_retry_after(db: Database, slack: Slack) -> None:
    slack.standin.fail_next("chat.postMessage", RateLimited(retry_after=30), RateLimited(7))
    enqueue(db, "c1:post", "post", samples.posting_alert())
    assert deliver_due(db, slack.settings, T0).next_attempt_at == T0 + timedelta(seconds=30)
    assert outbox(db)["c1:post"]["last_error"] == "rate limited (Retry-After: 30s)"
    assert deliver_due(db, slack.settings, T0 + timedelta(seconds=29)).retrying == 0
    second = deliver_due(db, slack.settings, T0 + timedelta(seconds=30))
    assert second.next_attempt_at == T0 + timedelta(seconds=37)
    assert deliver_due(db, slack.settings, T0 + timedelta(seconds=37)).sent == 1
    assert len(slack.standin.calls("chat.postMessage")) == 3
    assert stored_keys(slack.standin, "alerts") == ["c1:post"]


@pytest.mark.parametrize(
    "fault", [ServerError(500, after_storing=True), DropConnection()], ids=["500", "dropped"]
)
def test_ambiguous_failures_do_not_duplicate(db: Database, slack: Slack, fault: Any) -> None:
    slack.standin.fail_next("chat.postMessage", fault)
    incident(db, "d1")
    first = deliver_due(db, slack.settings, T0)
    assert first.retrying == 1
    assert outbox(db)["d1:post"]["status"] == "pending"
    assert stored_keys(slack.standin, "alerts") == ["d1:post"]
    slack.standin.fail_next("chat.postMessage", fault)
    assert deliver_due(db, slack.settings, T0 + timedelta(minutes=1)).sent == 2
    assert deliver_due(db, slack.settings, T0 + timedelta(minutes=2)).sent == 1
    rows = outbox(db)
    stored = slack.standin.messages("alerts")
    assert stored_keys(slack.standin, "alerts") == ["d1:post", "d1:reply"]
    assert rows["d1:post"]["slack_ts"] == stored[0]["ts"]
    assert rows["d1:reply"]["slack_ts"] == stored[1]["ts"]
    assert rows["d1:reply"]["attempts"] == 2
    assert len(slack.standin.calls("chat.postMessage")) == 2
    assert [c.method for c in slack.standin.calls() if c.method.startswith("conversations")] == [
        "conversations.list", "conversations.history", "conversations.replies",
    ]  # fmt: skip


def test_slack_outage_delays_but_neither_loses_nor_duplicates(db: Database, slack: Slack) -> None:
    channels = ("alerts", "finance")
    for n in range(3):
        for name in channels:
            incident(db, f"{name}-{n}", channel=f"#{name}")
    refused = bound_socket()  # bound, never listening: connections are refused
    refused_url = f"http://127.0.0.1:{refused.getsockname()[1]}/api/"

    def unreachable(token: str) -> WebClient:
        return WebClient(token=token, base_url=refused_url, retry_handlers=[], timeout=5)

    now, down_until = T0, T0 + timedelta(minutes=10)
    try:
        while now < T0 + timedelta(minutes=5):
            assert deliver_due(db, slack.settings, now, client_factory=unreachable).sent == 0
            now += timedelta(seconds=30)
    finally:
        refused.close()
    slack.standin.set_outage(ServerError(503))
    while now < down_until:
        assert deliver_due(db, slack.settings, now).sent == 0
        now += timedelta(seconds=30)
    slack.standin.set_outage(None)
    rows = outbox(db)
    assert {r["status"] for r in rows.values()} == {"pending"}
    assert max(r["attempts"] for r in rows.values()) > 3
    while any(r["status"] == "pending" for r in outbox(db).values()):
        deliver_due(db, slack.settings, now)
        now += timedelta(seconds=30)
        assert now < down_until + timedelta(minutes=15), "the backlog did not drain"
    rows = outbox(db)
    assert {r["status"] for r in rows.values()} == {"sent"}
    for name in channels:
        expected = [k for k in rows if k.startswith(name) and not k.endswith(":update")]
        assert stored_keys(slack.standin, name) == expected
    assert Counter(posted_keys(slack.standin.calls())) == Counter(
        k for k in rows if not k.endswith(":update")
    )
    updates = [c for c in slack.standin.calls("chat.update") if c.ok]
    assert len(updates) == 6


def test_two_concurrent_senders_never_send_a_row_twice(db: Database, slack: Slack) -> None:
    for n in range(12):
        enqueue(db, f"e{n:02d}", "post", samples.posting_alert(), channel="#alerts")
        enqueue(db, f"f{n:02d}", "post", samples.reply(f"note {n}"), channel="#finance")
    totals: list[DeliveryReport] = []
    barrier = threading.Barrier(2)

    def sender() -> None:
        barrier.wait()
        for step in range(30):
            totals.append(deliver_due(db, slack.settings, T0 + timedelta(seconds=step), limit=3))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.sent for r in totals) == 24
    assert stored_keys(slack.standin, "alerts") == [f"e{n:02d}" for n in range(12)]
    assert stored_keys(slack.standin, "finance") == [f"f{n:02d}" for n in range(12)]
    assert len(slack.standin.calls("chat.postMessage")) == 24


def test_report_rows_are_posted(db: Database, slack: Slack) -> None:
    enqueue(db, "weekly:2026-W47", "report", samples.report(), channel="#exec-kpis")
    assert deliver_due(db, slack.settings, T0).sent == 1
    (message,) = slack.standin.messages("exec-kpis")
    assert message["text"].startswith("Weekly sync health (2026-W47)")


def test_dry_run_without_a_token_logs_and_marks_sent(
    db: Database, slack: Slack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    caplog.set_level(logging.INFO, logger="alerts.outbox")
    incident(db, "g1")
    report = deliver_due(db, slack.settings, datetime(2020, 1, 1, tzinfo=T0.tzinfo))
    assert report == DeliveryReport(dry_run=3)
    rows = outbox(db)
    assert {(r["status"], r["slack_ts"]) for r in rows.values()} == {("sent", None)}
    assert slack.standin.calls() == []
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == (
        "dry run (no Slack token): post #1 to #alerts: "
        "[FIRING] Invoices failing to post to NetSuite: Finalized Stripe invoices failed "
        "to post to the ERP &lt;after retries&gt;."
    )
    payload = json.loads(lines[1].split(": ", 1)[1])
    assert payload["blocks"][0]["type"] == "header"
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    enqueue(db, "g1:late-reply", "reply", samples.reply(), parent=1)
    assert deliver_due(db, slack.settings, T0).dead == 1
    assert outbox(db)["g1:late-reply"]["last_error"].startswith("its parent was delivered in dry")


def test_notify_cli_delivers_and_lists_dead(
    db: Database, slack: Slack, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    config = tmp_path / "syncwatch.yaml"
    config.write_text(f"slack:\n  token_env: {TOKEN_ENV}\n  base_url: {slack.base_url}/api/\n")
    monkeypatch.setenv("DATABASE_URL", db.url)
    slack.standin.fail_next("chat.postMessage", SlackError("is_archived"))
    enqueue(db, "h1:post", "post", samples.posting_alert())
    enqueue(db, "h2:post", "post", samples.posting_alert())

    def run(*args: str) -> str:
        context = AppContext(config_path=config, clock=Clock(T0))
        try:
            result = CliRunner().invoke(notify_cli.app, list(args), obj=context)
        finally:
            context.close()
        assert result.exit_code == 0, result.output
        return result.output

    assert run("deliver").strip() == "sent 1, dry run 0, retrying 0, dead 1"
    (dead,) = json.loads(run("dead", "--json"))
    assert (dead["idempotency_key"], dead["last_error"]) == ("h1:post", "is_archived")
    assert "is_archived" in run("dead")
