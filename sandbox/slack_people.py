"""The Slack stand-in's workspace members: ``users.info``, ``users.lookupByEmail`` and the direct
message conversations ``conversations.open`` opens with them.

Answers follow Slack's shapes: a user object with ``id``, ``team_id``, ``name``, ``real_name``
and a ``profile`` holding ``email`` (which Slack shows only to apps with ``users:read.email``);
``user_not_found`` and ``users_not_found`` for someone who is not there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sandbox.slack_faults import ApiError, Channel, JsonObject

TEAM_ID = "T0SANDBOX"


@dataclass(frozen=True, slots=True)
class StandInUser:
    """A member of the stand-in's workspace."""

    id: str
    name: str
    email: str
    real_name: str = ""

    def as_slack(self) -> JsonObject:
        """The user object Slack's ``users.*`` methods answer with."""
        real = self.real_name or self.name.capitalize()
        return {
            "id": self.id, "team_id": TEAM_ID, "name": self.name, "real_name": real,
            "deleted": False, "is_bot": False,
            "profile": {"email": self.email, "real_name": real, "display_name": self.name},
        }  # fmt: skip


DEMO_PEOPLE: tuple[StandInUser, ...] = tuple(
    StandInUser(f"U0DEMO{name.upper()[:5]}", name, f"{name}@sandbox.example")
    for name in ("exec", "finance", "revops", "integration", "admin")
)
"""The demo's workspace: one member per demo sign-in, with the e-mail address the demo gives
that syncwatch user."""


class Directory:
    """The members, and the direct-message conversation with each one opened so far."""

    def __init__(self, users: tuple[StandInUser, ...]) -> None:
        self.users = {u.id: u for u in users}

    def add(self, user: StandInUser) -> None:
        """Add (or replace) a member."""
        self.users[user.id] = user

    def info(self, params: JsonObject) -> JsonObject:
        """``users.info``: the member with id ``user``."""
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            raise ApiError("user_not_found")
        return {"ok": True, "user": user.as_slack()}

    def lookup_by_email(self, params: JsonObject) -> JsonObject:
        """``users.lookupByEmail``: the member with this address (any case)."""
        wanted = str(params.get("email", "")).strip().lower()
        user = next((u for u in self.users.values() if u.email.lower() == wanted), None)
        if user is None:
            raise ApiError("users_not_found")
        return {"ok": True, "user": user.as_slack()}

    def open_conversation(self, params: JsonObject, channels: dict[str, Channel]) -> JsonObject:
        """``conversations.open``: the direct-message channel with one member, made once."""
        user_id = str(params.get("users", "")).strip()
        if "," in user_id:
            raise ApiError("not_supported")  # group DMs are not something syncwatch opens
        if user_id not in self.users:
            raise ApiError("user_not_found")
        channel_id = "D" + hashlib.sha256(user_id.encode()).hexdigest()[:9].upper()
        already = channel_id in channels
        if not already:
            channels[channel_id] = Channel(channel_id, f"dm-{user_id}")
        return {"ok": True, "already_open": already, "channel": {"id": channel_id}}
