"""Clicking a button in the Slack stand-in: the ``block_actions`` payload Slack sends, signed.

The payload is built from a stored message the way Slack builds it (the clicking user, the
container and channel, the message with its blocks, a ``response_url`` and the pressed button
with its ``action_id``, ``block_id``, ``value`` and ``action_ts``), form-encoded as
``payload=<json>`` and signed with the app's signing secret: ``X-Slack-Signature: v0=`` the
HMAC-SHA256 of ``v0:{timestamp}:{body}``, beside ``X-Slack-Request-Timestamp``. Tests can sign
with the wrong secret, sign too long ago, leave the signature off or send the same request
twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from sandbox.slack_faults import ApiError, Channel, JsonObject
from sandbox.slack_people import TEAM_ID, StandInUser

APP_ID = "A0SYNCWATCH"
DELIVERY_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Interaction:
    """One interaction request as Slack would send it over HTTP."""

    payload: JsonObject
    body: bytes
    headers: dict[str, str]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: ``v0=`` and the HMAC-SHA256 hex of ``v0:{ts}:{body}``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def pressed(message: JsonObject, action_id: str) -> tuple[JsonObject, str]:
    """The button with ``action_id`` in a stored message, and the id of its block."""
    for index, block in enumerate(message.get("blocks") or []):
        if block.get("type") != "actions":
            continue
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return element, str(block.get("block_id") or f"b{index}")
    raise ApiError("action_not_found")


def block_actions(
    channel: Channel, message: JsonObject, action_id: str, user: StandInUser, response_url: str
) -> JsonObject:
    """The ``block_actions`` payload of ``user`` pressing button ``action_id`` on ``message``."""
    element, block_id = pressed(message, action_id)
    now = f"{time.time():.6f}"
    action: JsonObject = {
        "type": element.get("type", "button"), "action_id": action_id, "block_id": block_id,
        "text": element.get("text"), "action_ts": now,
    }  # fmt: skip
    for key in ("value", "url", "style"):
        if key in element:
            action[key] = element[key]
    return {
        "type": "block_actions",
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "standin-verification-token",  # deprecated by Slack; apps must not trust it
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel.id,
                      "is_ephemeral": False},
        "trigger_id": f"{uuid.uuid4().int % 10**13}.{uuid.uuid4().hex[:24]}",
        "team": {"id": TEAM_ID, "domain": "syncwatch-sandbox"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel.name},
        "message": {k: v for k, v in message.items() if k != "metadata"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }  # fmt: skip


def sign(payload: JsonObject, secret: str | None, *, signed_at: float | None = None) -> Interaction:
    """The form-encoded request carrying ``payload``, signed with ``secret`` (None: unsigned)."""
    body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if secret is not None:
        stamp = str(int(time.time() if signed_at is None else signed_at))
        headers["X-Slack-Request-Timestamp"] = stamp
        headers["X-Slack-Signature"] = signature(secret, stamp, body)
    return Interaction(payload, body, headers)


def deliver(interaction: Interaction, url: str) -> int:
    """POST the interaction to the app's interactivity URL; the HTTP status it answered."""
    response = httpx.post(
        url, content=interaction.body, headers=interaction.headers,
        timeout=DELIVERY_TIMEOUT_SECONDS,
    )  # fmt: skip
    return response.status_code
