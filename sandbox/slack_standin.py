"""A local stand-in for the Slack Web API methods syncwatch uses, for tests and the demo.

It serves ``/<method>`` under a base path (``/api`` by default, so a client's ``base_url`` is
``http://host:port/api/``), checks the bot token, keeps every channel's messages so
``chat.update``, ``conversations.history`` and ``conversations.replies`` work, issues increasing
``ts`` values and records every call. Tests program it to answer ``ok: false`` with an error,
429 with ``Retry-After``, a 5xx before or after storing the message, or to drop the connection
after storing it (the ambiguous failures a sender must not turn into duplicates). Block Kit
payloads are checked against Slack's published limits and refused with ``invalid_blocks``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sandbox.block_kit import block_kit_problems

JsonObject = dict[str, Any]

TEAM_ID = "T0SANDBOX"
BOT_USER_ID = "U0SYNCWATCH"
BOT_ID = "B0SYNCWATCH"
MAX_TEXT = 40_000


@dataclass(frozen=True, slots=True)
class SlackError:
    """Answer HTTP 200 with ``{"ok": false, "error": error}`` (nothing is stored)."""

    error: str


@dataclass(frozen=True, slots=True)
class RateLimited:
    """Answer HTTP 429 with ``Retry-After`` (nothing is stored)."""

    retry_after: int = 1


@dataclass(frozen=True, slots=True)
class ServerError:
    """Answer a 5xx; with ``after_storing`` the call takes effect first (an ambiguous failure)."""

    status: int = 500
    after_storing: bool = False


@dataclass(frozen=True, slots=True)
class DropConnection:
    """Take effect, then break the connection mid-answer (the client cannot know it worked)."""


Fault = SlackError | RateLimited | ServerError | DropConnection


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One request as the stand-in saw it and what it answered (``None`` when dropped)."""

    method: str
    params: JsonObject
    status: int
    response: JsonObject | None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded and the client received the success."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))


@dataclass
class Channel:
    """A conversation with its messages in posting order."""

    id: str
    name: str
    archived: bool = False
    member: bool = True
    messages: list[JsonObject] = field(default_factory=list)


class _ApiError(Exception):
    def __init__(self, error: str, detail: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail or []


class _TruncatedResponse(Response):
    """Headers promising a body that never fully arrives; the server then closes the socket."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"512")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"ok": true, "ch', "more_body": True})


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        raise _ApiError("invalid_cursor") from None


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


class SlackStandIn:
    """The stand-in's state (channels, messages, calls, queued faults) and its ASGI app."""

    def __init__(
        self,
        token: str,
        *,
        channels: tuple[str, ...] = ("alerts",),
        base_path: str = "/api",
        first_ts: int = 1_764_000_000,
    ) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._channels: dict[str, Channel] = {}
        self._calls: list[RecordedCall] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._outage: Fault | None = None
        self._seq = 0
        self._first_ts = first_ts
        for name in channels:
            self.add_channel(name)
        route = Route(base_path.rstrip("/") + "/{method}", self._handle, methods=["GET", "POST"])
        self.app = Starlette(routes=[route])

    # -- programming the stand-in (called from the test's thread) ----------------------------

    def add_channel(self, name: str, *, archived: bool = False, member: bool = True) -> str:
        """Create a channel (``#`` optional) and return its id."""
        bare = name.lstrip("#")
        channel_id = "C" + hashlib.sha256(bare.encode()).hexdigest()[:9].upper()
        with self._lock:
            self._channels[channel_id] = Channel(channel_id, bare, archived, member)
        return channel_id

    def fail_next(self, method: str, *faults: Fault) -> None:
        """Answer the next calls of ``method`` with these faults, in order."""
        with self._lock:
            self._faults.setdefault(method, deque()).extend(faults)

    def set_outage(self, fault: Fault | None) -> None:
        """Answer every call with ``fault`` until called again with None."""
        with self._lock:
            self._outage = fault

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """The recorded calls (of one method when given), oldest first."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str) -> list[JsonObject]:
        """Every message of a channel (by name or id), replies included, oldest first."""
        with self._lock:
            return [dict(m) for m in self._find(channel).messages]

    def channel_id(self, name: str) -> str:
        """The id of a channel by name."""
        with self._lock:
            return self._find(name).id

    # -- serving -----------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        method = request.path_params["method"]
        params = await self._params(request)
        with self._lock:
            queued = self._faults.get(method)
            fault = self._outage or (queued.popleft() if queued else None)
        if isinstance(fault, RateLimited):
            return self._answer(
                method, params, 429, {"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(fault.retry_after)},
            )  # fmt: skip
        if isinstance(fault, ServerError) and not fault.after_storing:
            return self._answer(method, params, fault.status, None, text="upstream failure")
        if isinstance(fault, SlackError):
            return self._answer(method, params, 200, {"ok": False, "error": fault.error})
        try:
            self._authenticate(request)
            with self._lock:
                body = self._dispatch(method, params)
        except _ApiError as exc:
            error: JsonObject = {"ok": False, "error": exc.error}
            if exc.detail:
                error["response_metadata"] = {"messages": exc.detail}
            return self._answer(method, params, 200, error)
        if isinstance(fault, ServerError):
            return self._answer(method, params, fault.status, None, text="upstream failure")
        if isinstance(fault, DropConnection):
            self._record(method, params, 200, None)
            return _TruncatedResponse()
        return self._answer(method, params, 200, body)

    async def _params(self, request: Request) -> JsonObject:
        params: JsonObject = dict(request.query_params)
        if request.method != "POST":
            return params
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            # Clients send this content type on bodiless calls such as auth.test too.
            payload = json.loads(raw) if raw.strip() else {}
            params.update(payload if isinstance(payload, dict) else {})
        elif raw:
            params.update(dict(await request.form()))
        return params

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise _ApiError("not_authed")
        if header.removeprefix("Bearer ") != self.token:
            raise _ApiError("invalid_auth")

    def _record(
        self, method: str, params: JsonObject, status: int, body: JsonObject | None
    ) -> None:
        with self._lock:
            self._calls.append(RecordedCall(method, params, status, body))

    def _answer(
        self,
        method: str,
        params: JsonObject,
        status: int,
        body: JsonObject | None,
        *,
        headers: dict[str, str] | None = None,
        text: str = "",
    ) -> Response:
        self._record(method, params, status, body)
        if body is None:
            return PlainTextResponse(text, status_code=status, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)

    # -- the methods (called with the lock held) ---------------------------------------------

    def _dispatch(self, method: str, params: JsonObject) -> JsonObject:
        handlers = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.list": self._list,
        }
        handler = handlers.get(method)
        if handler is None:
            raise _ApiError("unknown_method")
        return handler(params)

    def _find(self, channel: str) -> Channel:
        if channel in self._channels:
            return self._channels[channel]
        for candidate in self._channels.values():
            if candidate.name == channel.lstrip("#"):
                return candidate
        raise _ApiError("channel_not_found")

    def _find_by_id(self, channel: Any) -> Channel:
        # Slack reads conversation history and edits messages by channel id only.
        if not isinstance(channel, str) or channel not in self._channels:
            raise _ApiError("channel_not_found")
        return self._channels[channel]

    def _next_ts(self) -> str:
        self._seq += 1
        return f"{self._first_ts + self._seq}.{self._seq:06d}"

    def _check_content(self, params: JsonObject) -> tuple[str, list[Any] | None]:
        text = params.get("text") or ""
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not text and not blocks:
            raise _ApiError("no_text")
        if len(text) > MAX_TEXT:
            raise _ApiError("msg_too_long")
        if blocks is not None:
            problems = block_kit_problems(blocks)
            if problems:
                raise _ApiError("invalid_blocks", problems)
        return text, blocks

    def _auth_test(self, params: JsonObject) -> JsonObject:
        return {
            "ok": True, "url": "https://syncwatch-sandbox.slack.com/", "team": "sandbox",
            "user": "syncwatch", "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
        }  # fmt: skip

    def _post_message(self, params: JsonObject) -> JsonObject:
        channel = self._find(str(params.get("channel", "")))
        if channel.archived:
            raise _ApiError("is_archived")
        if not channel.member:
            raise _ApiError("not_in_channel")
        text, blocks = self._check_content(params)
        thread_ts = params.get("thread_ts")
        if thread_ts and not any(m["ts"] == thread_ts for m in channel.messages):
            raise _ApiError("thread_not_found")
        ts = self._next_ts()
        message: JsonObject = {
            "type": "message", "ts": ts, "text": text, "user": BOT_USER_ID, "bot_id": BOT_ID,
        }  # fmt: skip
        if blocks is not None:
            message["blocks"] = blocks
        if thread_ts:
            message["thread_ts"] = thread_ts
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        channel.messages.append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": dict(message)}

    def _update(self, params: JsonObject) -> JsonObject:
        channel = self._find_by_id(params.get("channel"))
        target = next((m for m in channel.messages if m["ts"] == params.get("ts")), None)
        if target is None:
            raise _ApiError("message_not_found")
        text, blocks = self._check_content(params)
        target["text"] = text
        if blocks is not None:
            target["blocks"] = blocks
        target["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True, "channel": channel.id, "ts": target["ts"], "text": text,
            "message": dict(target),
        }  # fmt: skip

    def _visible(self, message: JsonObject, params: JsonObject) -> JsonObject:
        if _flag(params.get("include_all_metadata")):
            return dict(message)
        return {k: v for k, v in message.items() if k != "metadata"}

    def _history(self, params: JsonObject) -> JsonObject:
        channel = self._find_by_id(params.get("channel"))
        oldest = float(params.get("oldest") or 0)
        top = [
            self._visible(m, params)
            for m in reversed(channel.messages)
            if m.get("thread_ts", m["ts"]) == m["ts"] and float(m["ts"]) > oldest
        ]
        return _page(top, params, "messages")

    def _replies(self, params: JsonObject) -> JsonObject:
        channel = self._find_by_id(params.get("channel"))
        ts = params.get("ts")
        thread = [
            self._visible(m, params)
            for m in channel.messages
            if m["ts"] == ts or m.get("thread_ts") == ts
        ]
        if not thread:
            raise _ApiError("thread_not_found")
        return _page(thread, params, "messages")

    def _list(self, params: JsonObject) -> JsonObject:
        channels: list[JsonObject] = [
            {"id": c.id, "name": c.name, "is_archived": c.archived, "is_member": c.member}
            for c in self._channels.values()
        ]
        return _page(channels, params, "channels")
