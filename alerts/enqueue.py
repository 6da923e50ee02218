"""Write notifications into the delivery outbox, exactly once per idempotency key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import psycopg

from alerts.messages import AlertMessage, Envelope, Notice, ThreadReply

Kind = Literal["post", "update", "reply", "dm"]
# The outbox "channel" of a direct message: the person, found in Slack when it is delivered.
DM_PREFIX = "@"


@dataclass(frozen=True, slots=True)
class Enqueued:
    """One outbox row this evaluation asked for (``created`` is False when it already existed)."""

    id: int
    kind: Kind
    channel: str
    idempotency_key: str
    created: bool


def enqueue(
    conn: psycopg.Connection[Any],
    *,
    key: str,
    kind: Kind,
    channel: str,
    message: AlertMessage | ThreadReply | Notice,
    parent_id: int | None = None,
) -> Enqueued:
    """Add one outbox row; a key seen before returns the existing row instead of a second one."""
    payload = Envelope(message=message).model_dump_json()
    row = conn.execute(
        "INSERT INTO notification_outbox (idempotency_key, kind, channel, payload, parent_id) "
        "VALUES (%s, %s, %s, %s::jsonb, %s) ON CONFLICT (idempotency_key) DO NOTHING "
        "RETURNING id",
        (key, kind, channel, payload, parent_id),
    ).fetchone()
    if row is not None:
        return Enqueued(int(row[0]), kind, channel, key, created=True)
    existing = conn.execute(
        "SELECT id FROM notification_outbox WHERE idempotency_key = %s", (key,)
    ).fetchone()
    assert existing is not None
    return Enqueued(int(existing[0]), kind, channel, key, created=False)


def enqueue_direct_message(
    conn: psycopg.Connection[Any],
    *,
    user: str,
    message: AlertMessage | ThreadReply | Notice,
    key: str,
) -> Enqueued:
    """Queue a direct message to syncwatch user ``user``, exactly once per ``key``.

    Their Slack account is found when it is delivered (``slack.users``, else their e-mail
    address); direct messages to one person keep their order.
    """
    channel = f"{DM_PREFIX}{user}"
    return enqueue(conn, key=f"dm:{key}", kind="dm", channel=channel, message=message)
