"""A local stand-in for the Slack Web API methods syncwatch uses, for tests and the demo.

It serves ``/<method>`` under a base path (``/api`` by default, so a client's ``base_url`` is
``http://host:port/api/``), checks the bot token, keeps every channel's messages so
``chat.update``, ``conversations.history`` and ``conversations.replies`` work, issues increasing
``ts`` values and records every call. Tests program it to answer ``ok: false`` with an error,
429 with ``Retry-After``, a 5xx before or after storing the message, or to drop the connection
after storing it (the ambiguous failures a sender must not turn into duplicates). Block Kit
payloads are checked against Slack's published limits and refused with ``invalid_blocks``.

It also plays the people in the workspace (``users.info``, ``users.lookupByEmail``, direct
messages through ``conversations.open``) and their clicks on a stored message's buttons: a
signed ``block_actions`` request posted to the app's interactivity URL, or an ``interactive``
envelope over Socket Mode (``apps.connections.open`` with the app-level token); what the app
answers on the click's ``response_url`` is kept. ``POST /standin/click`` with
``{"channel", "action_id", "user"}`` clicks for the demo.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import deque
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute

from sandbox.block_kit import block_kit_problems
from sandbox.slack_clicks import APP_ID, Interaction, block_actions, deliver, pressed, sign
from sandbox.slack_faults import (
    ApiError,
    Channel,
    DropConnection,
    Fault,
    JsonObject,
    RateLimited,
    RecordedCall,
    ServerError,
    SlackError,
    TruncatedResponse,
)
from sandbox.slack_history import history, listing, replies
from sandbox.slack_people import TEAM_ID, Directory, StandInUser
from sandbox.slack_socket import PATH as SOCKET_PATH
from sandbox.slack_socket import SocketModeServer

__all__ = [
    "DropConnection",
    "RateLimited",
    "RecordedCall",
    "ServerError",
    "SlackError",
    "SlackStandIn",
    "StandInUser",
]

BOT_USER_ID = "U0SYNCWATCH"
BOT_ID = "B0SYNCWATCH"
MAX_TEXT = 40_000


class SlackStandIn:
    """The stand-in's state (channels, messages, calls, queued faults) and its ASGI app."""

    def __init__(
        self,
        token: str,
        *,
        channels: tuple[str, ...] = ("alerts",),
        base_path: str = "/api",
        first_ts: int = 1_764_000_000,
        users: tuple[StandInUser, ...] = (),
        app_token: str | None = None,
        signing_secret: str | None = None,
        interactivity_url: str | None = None,
    ) -> None:
        self.token = token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.interactivity_url = interactivity_url
        """Where the app wants clicks posted (its Slack app's interactivity request URL)."""
        self.address: str | None = None
        """Where this stand-in answers (learnt from the first request when not set)."""
        self.directory = Directory(users)
        self.socket_mode = SocketModeServer(APP_ID)
        self._answers: list[JsonObject] = []
        self._lock = threading.Lock()
        self._channels: dict[str, Channel] = {}
        self._calls: list[RecordedCall] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._outage: Fault | None = None
        self._seq = 0
        self._first_ts = first_ts
        for name in channels:
            self.add_channel(name)
        self.app = Starlette(
            routes=[
                Route(base_path.rstrip("/") + "/{method}", self._handle, methods=["GET", "POST"]),
                WebSocketRoute(SOCKET_PATH, self.socket_mode.endpoint),
                Route("/actions/{hook:path}", self._answered, methods=["POST"]),
                Route("/standin/click", self._demo_click, methods=["POST"]),
            ]
        )

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

    def add_user(self, user: StandInUser) -> None:
        """Add (or replace) a member of the workspace."""
        with self._lock:
            self.directory.add(user)

    # -- people clicking (called from any thread but the server's) ---------------------------

    def press(
        self,
        channel: str,
        action_id: str,
        *,
        user: str,
        ts: str | None = None,
        secret: str | None = None,
        unsigned: bool = False,
        signed_at: float | None = None,
    ) -> Interaction:
        """The request Slack sends when ``user`` presses button ``action_id`` on the newest
        message of ``channel`` carrying it (or the one at ``ts``), signed with ``secret`` (by
        default the app's signing secret) at ``signed_at`` (by default now)."""
        with self._lock:
            found = self._find(channel)
            message = next(
                (m for m in reversed(found.messages) if ts in (None, m["ts"])
                 and m.get("thread_ts", m["ts"]) == m["ts"] and _has(m, action_id)), None,
            )  # fmt: skip
            if message is None:
                raise ApiError("message_not_found")
            person = self.directory.users.get(user)
            if person is None:
                raise ApiError("user_not_found")
            snapshot: JsonObject = json.loads(json.dumps(message))
            if self.address is None:
                raise RuntimeError("the stand-in has not been reached yet: set its address")
            hook = f"{self.address}/actions/{TEAM_ID}/{uuid.uuid4().hex}"
            payload = block_actions(found, snapshot, action_id, person, hook)
        key = None if unsigned else (secret or self.signing_secret)
        if key is None and not unsigned:
            raise RuntimeError("no signing secret: give the stand-in the app's")
        return sign(payload, key, signed_at=signed_at)

    def deliver(self, interaction: Interaction) -> int:
        """Post ``interaction`` to the app's interactivity URL; the HTTP status it answered."""
        if self.interactivity_url is None:
            raise RuntimeError("no interactivity URL: the app receives clicks over Socket Mode")
        return deliver(interaction, self.interactivity_url)

    def click(self, channel: str, action_id: str, *, user: str, ts: str | None = None) -> int:
        """``user`` presses the button over HTTP, signed as Slack signs; the status answered."""
        return self.deliver(self.press(channel, action_id, user=user, ts=ts))

    def click_over_socket(
        self, channel: str, action_id: str, *, user: str, ts: str | None = None
    ) -> str:
        """``user`` presses the button, sent as a Socket Mode envelope; its acknowledged id."""
        interaction = self.press(channel, action_id, user=user, ts=ts, unsigned=True)
        return self.socket_mode.send(interaction.payload)

    def answers(self) -> list[JsonObject]:
        """What the app posted to clicks' response URLs, oldest first."""
        with self._lock:
            return [dict(a) for a in self._answers]

    # -- serving -----------------------------------------------------------------------------

    async def _answered(self, request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        with self._lock:
            self._answers.append(body if isinstance(body, dict) else {"body": body})
        return PlainTextResponse("ok")

    async def _demo_click(self, request: Request) -> Response:
        self._learn_address(request)
        asked = await request.json()
        person = next((u.id for u in self.directory.users.values()
                       if asked.get("user") in (u.id, u.name)), "")  # fmt: skip
        args = (str(asked.get("channel", "")), str(asked.get("action_id", "")))
        ts = asked.get("ts")
        try:
            if self.socket_mode.connections:
                sent = await run_in_threadpool(self.click_over_socket, *args, user=person, ts=ts)
                return JSONResponse({"ok": True, "envelope_id": sent})
            status = await run_in_threadpool(self.click, *args, user=person, ts=ts)
        except (ApiError, RuntimeError, OSError) as exc:
            return JSONResponse({"ok": False, "error": str(exc)})
        return JSONResponse({"ok": True, "status": status})

    def _learn_address(self, request: Request) -> None:
        if self.address is None:
            self.address = str(request.base_url).rstrip("/")

    async def _handle(self, request: Request) -> Response:
        method = request.path_params["method"]
        self._learn_address(request)
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
            self._authenticate(request, method)
            with self._lock:
                body = self._dispatch(method, params, request.headers.get("host", ""))
        except ApiError as exc:
            error: JsonObject = {"ok": False, "error": exc.error}
            if exc.detail:
                error["response_metadata"] = {"messages": exc.detail}
            return self._answer(method, params, 200, error)
        if isinstance(fault, ServerError):
            return self._answer(method, params, fault.status, None, text="upstream failure")
        if isinstance(fault, DropConnection):
            self._record(method, params, 200, None)
            return TruncatedResponse()
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

    def _authenticate(self, request: Request, method: str) -> None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise ApiError("not_authed")
        # Socket Mode URLs are issued to the app-level token alone, every other method to the
        # bot token.
        wanted = self.app_token if method == "apps.connections.open" else self.token
        if wanted is None:
            raise ApiError("not_allowed_token_type")
        if header.removeprefix("Bearer ") != wanted:
            raise ApiError("invalid_auth")

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

    def _dispatch(self, method: str, params: JsonObject, host: str) -> JsonObject:
        if method == "apps.connections.open":
            return self.socket_mode.open(host)
        if method == "conversations.open":
            return self.directory.open_conversation(params, self._channels)
        handlers = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.history": lambda p: history(self._find_by_id(p.get("channel")), p),
            "conversations.replies": lambda p: replies(self._find_by_id(p.get("channel")), p),
            "conversations.list": lambda p: listing(list(self._channels.values()), p),
            "users.info": self.directory.info,
            "users.lookupByEmail": self.directory.lookup_by_email,
        }
        handler = handlers.get(method)
        if handler is None:
            raise ApiError("unknown_method")
        return handler(params)

    def _find(self, channel: str) -> Channel:
        if channel in self._channels:
            return self._channels[channel]
        for candidate in self._channels.values():
            if candidate.name == channel.lstrip("#"):
                return candidate
        raise ApiError("channel_not_found")

    def _find_by_id(self, channel: Any) -> Channel:
        # Slack reads conversation history and edits messages by channel id only.
        if not isinstance(channel, str) or channel not in self._channels:
            raise ApiError("channel_not_found")
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
            raise ApiError("no_text")
        if len(text) > MAX_TEXT:
            raise ApiError("msg_too_long")
        if blocks is not None:
            problems = block_kit_problems(blocks)
            if problems:
                raise ApiError("invalid_blocks", problems)
        return text, blocks

    def _auth_test(self, params: JsonObject) -> JsonObject:
        return {
            "ok": True, "url": "https://syncwatch-sandbox.slack.com/", "team": "sandbox",
            "user": "syncwatch", "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
        }  # fmt: skip

    def _post_message(self, params: JsonObject) -> JsonObject:
        channel = self._find(str(params.get("channel", "")))
        if channel.archived:
            raise ApiError("is_archived")
        if not channel.member:
            raise ApiError("not_in_channel")
        text, blocks = self._check_content(params)
        thread_ts = params.get("thread_ts")
        if thread_ts and not any(m["ts"] == thread_ts for m in channel.messages):
            raise ApiError("thread_not_found")
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
            raise ApiError("message_not_found")
        text, blocks = self._check_content(params)
        target["text"] = text
        if blocks is not None:
            target["blocks"] = blocks
        target["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True, "channel": channel.id, "ts": target["ts"], "text": text,
            "message": dict(target),
        }  # fmt: skip


def _has(message: JsonObject, action_id: str) -> bool:
    try:
        pressed(message, action_id)
    except ApiError:
        return False
    return True
