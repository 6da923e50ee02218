"""Finding in Slack what an earlier delivery attempt may have left there.

Every post carries its outbox idempotency key in message metadata, so a retry after an
ambiguous failure (timeout, dropped connection, 5xx) can look for it in the channel's history,
or the thread's replies, and adopt that message instead of posting a second one.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from slack_sdk import WebClient

METADATA_EVENT = "syncwatch_notification"
HISTORY_PAGES = 10
HISTORY_PAGE_SIZE = 200
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")


def idempotency_metadata(key: str) -> dict[str, Any]:
    """The message metadata that marks a post as the delivery of outbox row ``key``."""
    return {"event_type": METADATA_EVENT, "event_payload": {"idempotency_key": key}}


def channel_id(conn: psycopg.Connection[Any], client: WebClient, channel: str) -> str | None:
    """The id of a channel named by id or name: known from earlier deliveries, else listed."""
    if _CHANNEL_ID.match(channel):
        return channel
    known = conn.execute(
        "SELECT slack_channel_id FROM notification_outbox "
        "WHERE channel = %s AND slack_channel_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        (channel,),
    ).fetchone()
    if known:
        return str(known[0])
    cursor = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_list(
            types="public_channel,private_channel", limit=HISTORY_PAGE_SIZE, cursor=cursor
        )
        channels: list[dict[str, Any]] = page.get("channels", [])
        for candidate in channels:
            if candidate.get("name") == channel.lstrip("#"):
                return str(candidate["id"])
        cursor = next_cursor(page.data)
        if not cursor:
            break
    return None


def next_cursor(data: Any) -> str | None:
    """The cursor of the next page of a Slack list answer, or None on the last page."""
    meta = data.get("response_metadata") if isinstance(data, dict) else None
    return str(meta["next_cursor"]) if isinstance(meta, dict) and meta.get("next_cursor") else None


def find_posted(
    conn: psycopg.Connection[Any],
    client: WebClient,
    key: str,
    channel: str,
    thread_ts: str | None,
) -> tuple[str, str] | None:
    """(channel id, ts) of the message carrying idempotency ``key``, if one was posted."""
    found_id = channel_id(conn, client, channel)
    if found_id is None:
        # Slack lists no such channel, so no earlier attempt can have posted there.
        return None
    cursor = None
    for _ in range(HISTORY_PAGES):
        common: dict[str, Any] = {
            "channel": found_id, "limit": HISTORY_PAGE_SIZE, "cursor": cursor,
            "include_all_metadata": True,
        }  # fmt: skip
        page = (
            client.conversations_replies(ts=thread_ts, **common)
            if thread_ts
            else client.conversations_history(**common)
        )
        messages: list[dict[str, Any]] = page.get("messages", [])
        for message in messages:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("idempotency_key") == key
            ):
                return found_id, str(message["ts"])
        cursor = next_cursor(page.data)
        if not cursor:
            break
    return None
