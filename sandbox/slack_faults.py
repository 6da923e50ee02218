"""What the Slack stand-in can be told to do wrong, what it records, and how it says no.

Tests program faults per method (an ``ok: false`` error, 429 with ``Retry-After``, a 5xx
before or after the call takes effect, a connection dropped after it took effect) and read the
calls it recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

JsonObject = dict[str, Any]


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


class ApiError(Exception):
    """A Web API method's ``ok: false`` answer, with Slack's error code."""

    def __init__(self, error: str, detail: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail or []


class TruncatedResponse(Response):
    """Headers promising a body that never fully arrives; the server then closes the socket."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"512")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"ok": true, "ch', "more_body": True})
