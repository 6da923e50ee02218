"""Delivery of the notification outbox to Slack: never dropped, never duplicated, in order.

Each row is claimed alone (``FOR UPDATE SKIP LOCKED``, then a short lease in
``next_attempt_at``), sent outside any transaction, and settled in one transaction that records
Slack's channel id and ``ts`` together with ``status = 'sent'``. A row waits while an earlier
row of its channel is pending, so an incident's post, update and replies keep their order.
Every post carries its idempotency key in message metadata; a retry of a post first looks for
that key in the channel (or thread), because an earlier attempt that timed out, lost its
connection or got a 5xx may have been accepted, and adopts the message it finds. A direct
message (kind ``dm``, channel ``@user``) first finds the person's Slack account and opens the
conversation with them; a person Slack has no account for is a dead notification, with why.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import Any
from urllib.error import URLError

import psycopg
from pydantic import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from alerts.enqueue import DM_PREFIX
from alerts.messages import Envelope
from alerts.slack import SlackPayload, render
from alerts.slack_lookup import find_posted, idempotency_metadata
from alerts.slack_users import slack_user_id
from core.config import Settings
from core.config.base import read_secret
from core.database import Database
from core.logs import redact, register_secret

log = logging.getLogger(__name__)

CLIENT_TIMEOUT_SECONDS = 30
# A claimed row is invisible to other senders this long: longer than one Slack call can take.
CLAIM_LEASE = timedelta(seconds=CLIENT_TIMEOUT_SECONDS * 4)
BACKOFF_BASE = timedelta(seconds=15)
BACKOFF_CAP = timedelta(minutes=10)
# Slack answers these with HTTP 200 and ok:false when the request may succeed later.
RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable",
     "request_timeout"}
)  # fmt: skip

ClientFactory = Callable[[str], WebClient]


@dataclass(frozen=True, slots=True)
class _Parent:
    status: str
    channel_id: str | None
    ts: str | None


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    key: str
    kind: str
    channel: str
    payload: Any
    attempts: int
    parent: _Parent | None


@dataclass(frozen=True, slots=True)
class _Sent:
    channel_id: str | None
    ts: str | None


@dataclass(frozen=True, slots=True)
class _Retry:
    error: str
    retry_after: timedelta | None = None


@dataclass(frozen=True, slots=True)
class _Dead:
    error: str


_Outcome = _Sent | _Retry | _Dead


@dataclass
class DeliveryReport:
    """What one pass of the sender did."""

    sent: int = 0
    dry_run: int = 0
    retrying: int = 0
    dead: int = 0
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeadNotification:
    """A notification Slack refused for good, with the reason."""

    id: int
    kind: str
    channel: str
    idempotency_key: str
    attempts: int
    last_error: str | None
    title: str | None
    created_at: datetime


def slack_token(settings: Settings) -> str | None:
    """The bot token from the configured variable (registered as a secret), or None."""
    try:
        token = read_secret(settings.slack.token_env).get_secret_value()
    except LookupError:
        return None
    register_secret(token)
    return token or None


def web_client_factory(settings: Settings) -> ClientFactory:
    """Build WebClients for the configured base URL with the SDK's own retries turned off."""

    def build(token: str) -> WebClient:
        # Retries belong to the outbox: an in-process retry after a dropped connection could
        # post the same message twice, and a 429 must not hold the sender for minutes.
        return WebClient(
            token=token,
            base_url=settings.slack.base_url,
            timeout=CLIENT_TIMEOUT_SECONDS,
            retry_handlers=[],
        )

    return build


def deliver_due(
    db: Database,
    settings: Settings,
    now: datetime,
    *,
    client_factory: ClientFactory | None = None,
    limit: int = 500,
) -> DeliveryReport:
    """Deliver the due pending notifications in id order, as of ``now``; one pass."""
    token = slack_token(settings)
    client = None if token is None else (client_factory or web_client_factory(settings))(token)
    report = DeliveryReport()
    # Autocommit: each claim and each settlement is its own short transaction.
    with db.connection(autocommit=True) as conn:
        for _ in range(limit):
            row = _claim(conn, now)
            if row is None:
                break
            outcome = _dry_run(row) if client is None else _attempt(conn, client, settings, row)
            _settle(conn, row, outcome, now, report, dry_run=client is None)
            if isinstance(outcome, _Retry):
                # Slack is refusing or failing: everything else waits for a later pass.
                break
    return report


def dead_notifications(conn: psycopg.Connection[Any]) -> list[DeadNotification]:
    """Every dead notification, oldest first (the CLI and the dashboard show these)."""
    rows = conn.execute(
        "SELECT id, kind, channel, idempotency_key, attempts, last_error, "
        "payload -> 'message' ->> 'title', created_at "
        "FROM notification_outbox WHERE status = 'dead' ORDER BY id"
    ).fetchall()
    return [DeadNotification(*row) for row in rows]


def backoff(attempts: int, key: str) -> timedelta:
    """Exponential delay after ``attempts`` failures, capped, with up to 10% stable jitter."""
    delay: timedelta = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    jitter = (zlib.crc32(f"{key}:{attempts}".encode()) % 1000) / 10_000
    return delay * (1 + jitter)


# ---------------------------------------------------------------------------------------------


# A row never attempted is due at once: writers stamp next_attempt_at with the database clock,
# while the sender may run on a simulated one (--now).
_CLAIM = """
WITH next AS (
    SELECT o.id FROM notification_outbox o
    WHERE o.status = 'pending' AND (o.next_attempt_at <= %(now)s OR o.attempts = 0)
      AND NOT EXISTS (
          SELECT 1 FROM notification_outbox e
          WHERE e.status = 'pending' AND e.channel = o.channel AND e.id < o.id)
      AND NOT EXISTS (
          SELECT 1 FROM notification_outbox p WHERE p.id = o.parent_id AND p.status = 'pending')
    ORDER BY o.id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE notification_outbox o
SET attempts = o.attempts + 1, next_attempt_at = %(lease)s
FROM next WHERE o.id = next.id
RETURNING o.id, o.idempotency_key, o.kind, o.channel, o.payload, o.attempts, o.parent_id
"""


def _claim(conn: psycopg.Connection[Any], now: datetime) -> _Row | None:
    with conn.transaction():
        found = conn.execute(_CLAIM, {"now": now, "lease": now + CLAIM_LEASE}).fetchone()
    if found is None:
        return None
    row_id, key, kind, channel, payload, attempts, parent_id = found
    parent = None
    if parent_id is not None:
        p = conn.execute(
            "SELECT status, slack_channel_id, slack_ts FROM notification_outbox WHERE id = %s",
            (parent_id,),
        ).fetchone()
        parent = _Parent(*p) if p else None
    return _Row(row_id, key, kind, channel, payload, attempts, parent)


def _payload(row: _Row) -> SlackPayload:
    return render(Envelope.model_validate(row.payload).message)


def _dry_run(row: _Row) -> _Outcome:
    try:
        payload = _payload(row)
    except ValidationError as exc:
        return _Dead(f"payload is not a notification: {exc.errors()[0]['msg']}")
    first = payload.text.splitlines()[0] if payload.text else ""
    log.info("dry run (no Slack token): %s #%d to %s: %s", row.kind, row.id, row.channel, first)
    log.info("dry run payload #%d: %s", row.id, json.dumps(payload.as_dict(), ensure_ascii=False))
    return _Sent(None, None)


def _attempt(
    conn: psycopg.Connection[Any], client: WebClient, settings: Settings, row: _Row
) -> _Outcome:
    try:
        payload = _payload(row)
    except ValidationError as exc:
        return _Dead(f"payload is not a notification: {exc.errors()[0]['msg']}")
    try:
        return _call(conn, client, settings, row, payload)
    except SlackApiError as exc:
        return _classify(exc)
    except (OSError, HTTPException) as exc:
        # Refused, reset, timed out or cut short: Slack may or may not have acted on it.
        reason = exc.reason if isinstance(exc, URLError) else exc
        return _Retry(redact(f"{type(exc).__name__}: {reason}"))


def _call(
    conn: psycopg.Connection[Any],
    client: WebClient,
    settings: Settings,
    row: _Row,
    payload: SlackPayload,
) -> _Outcome:
    if row.kind not in ("post", "report", "update", "reply", "dm"):
        return _Dead(f"unknown notification kind {row.kind!r}")
    channel, thread_ts = row.channel, None
    if row.kind == "dm":
        person = row.channel.removeprefix(DM_PREFIX)
        user_id = slack_user_id(conn, client, settings, person)
        if user_id is None:
            return _Dead(
                f"Slack has no account for syncwatch user {person}: set their e-mail address "
                "(syncwatch users email) or map them in slack.users"
            )
        # Opening a conversation that is open already returns it again.
        channel = str(client.conversations_open(users=user_id)["channel"]["id"])
    if row.kind in ("update", "reply"):
        parent = row.parent
        if parent is None or parent.status != "sent":
            state = "missing" if parent is None else parent.status
            return _Dead(f"its parent notification is {state}")
        if parent.ts is None or parent.channel_id is None:
            return _Dead("its parent was delivered in dry run: there is no Slack message")
        if row.kind == "update":
            client.chat_update(
                channel=parent.channel_id, ts=parent.ts, text=payload.text, blocks=payload.blocks
            )
            return _Sent(parent.channel_id, parent.ts)
        channel, thread_ts = parent.channel_id, parent.ts
    if row.attempts > 1:
        earlier = find_posted(conn, client, row.key, channel, thread_ts)
        if earlier is not None:
            log.info("notification #%d was already posted (ts %s): adopted", row.id, earlier[1])
            return _Sent(*earlier)
    response = client.chat_postMessage(
        channel=channel,
        text=payload.text,
        blocks=payload.blocks,
        thread_ts=thread_ts,
        metadata=idempotency_metadata(row.key),
    )
    return _Sent(str(response["channel"]), str(response["ts"]))


def _classify(exc: SlackApiError) -> _Outcome:
    response = exc.response
    data = response.data if isinstance(response.data, dict) else {}
    error = str(data.get("error") or "")
    status = response.status_code
    if status == 429 or error in ("ratelimited", "rate_limited"):
        header = {k.lower(): v for k, v in (response.headers or {}).items()}.get("retry-after")
        seconds = int(header) if header and str(header).isdigit() else 1
        return _Retry(f"rate limited (Retry-After: {seconds}s)", timedelta(seconds=seconds))
    if status >= 500:
        return _Retry(f"HTTP {status} from Slack")
    if error in RETRYABLE_ERRORS:
        return _Retry(error)
    return _Dead(error or f"HTTP {status} from Slack")


def _settle(
    conn: psycopg.Connection[Any],
    row: _Row,
    outcome: _Outcome,
    now: datetime,
    report: DeliveryReport,
    *,
    dry_run: bool,
) -> None:
    with conn.transaction():
        if isinstance(outcome, _Sent):
            conn.execute(
                "UPDATE notification_outbox SET status = 'sent', slack_channel_id = %s, "
                "slack_ts = %s, sent_at = %s, last_error = NULL, next_attempt_at = %s "
                "WHERE id = %s",
                (outcome.channel_id, outcome.ts, now, now, row.id),
            )
            if dry_run:
                report.dry_run += 1
            else:
                report.sent += 1
                log.info(
                    "delivered %s #%d to %s (ts %s)", row.kind, row.id, row.channel, outcome.ts
                )
        elif isinstance(outcome, _Retry):
            delay = outcome.retry_after or backoff(row.attempts, row.key)
            conn.execute(
                "UPDATE notification_outbox SET next_attempt_at = %s, last_error = %s "
                "WHERE id = %s",
                (now + delay, outcome.error, row.id),
            )
            report.retrying += 1
            report.next_attempt_at = now + delay
            log.warning("notification #%d not delivered (%s); retrying in %s",
                        row.id, outcome.error, delay)  # fmt: skip
        else:
            conn.execute(
                "UPDATE notification_outbox SET status = 'dead', last_error = %s, "
                "next_attempt_at = %s WHERE id = %s",
                (outcome.error, now, row.id),
            )
            report.dead += 1
            log.error("notification #%d to %s is dead: %s", row.id, row.channel, outcome.error)
