"""Reading conversations in the Slack stand-in: ``conversations.history``, ``.replies`` and
``.list``, paged with Slack's cursors (``response_metadata.next_cursor``, empty on the last
page). Message metadata is shown only when asked for (``include_all_metadata``).
"""

from __future__ import annotations

import base64
from typing import Any

from sandbox.slack_faults import ApiError, Channel, JsonObject


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        raise ApiError("invalid_cursor") from None


def _page(items: list[JsonObject], params: JsonObject, key: str) -> JsonObject:
    start = _offset(params.get("cursor"))
    limit = max(1, min(int(params.get("limit") or 100), 1000))
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return {
        "ok": True,
        key: chunk,
        "has_more": more,
        "response_metadata": {"next_cursor": _cursor(start + limit) if more else ""},
    }


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _visible(message: JsonObject, params: JsonObject) -> JsonObject:
    if _flag(params.get("include_all_metadata")):
        return dict(message)
    return {k: v for k, v in message.items() if k != "metadata"}


def history(channel: Channel, params: JsonObject) -> JsonObject:
    """``conversations.history``: the channel's top-level messages, newest first."""
    oldest = float(params.get("oldest") or 0)
    top = [
        _visible(m, params)
        for m in reversed(channel.messages)
        if m.get("thread_ts", m["ts"]) == m["ts"] and float(m["ts"]) > oldest
    ]
    return _page(top, params, "messages")


def replies(channel: Channel, params: JsonObject) -> JsonObject:
    """``conversations.replies``: a thread's parent and its replies, oldest first."""
    ts = params.get("ts")
    thread = [
        _visible(m, params) for m in channel.messages if m["ts"] == ts or m.get("thread_ts") == ts
    ]
    if not thread:
        raise ApiError("thread_not_found")
    return _page(thread, params, "messages")


def listing(channels: list[Channel], params: JsonObject) -> JsonObject:
    """``conversations.list``: the channels of the asked ``types``, in creation order."""
    types = str(params.get("types") or "public_channel")
    found: list[JsonObject] = [
        {"id": c.id, "name": c.name, "is_archived": c.archived, "is_member": c.member}
        for c in channels
        if "im" in types.split(",") or not c.id.startswith("D")
    ]
    return _page(found, params, "channels")
