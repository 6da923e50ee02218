"""Who a Slack user is in syncwatch, and who a syncwatch user is in Slack.

A Slack user is first looked up in ``slack.users`` (by Slack user id), then by the e-mail
address of their Slack profile (``users.info``): in ``slack.users`` again, then among the
syncwatch users' e-mail addresses, and, where people sign in through a proxy or OpenID Connect,
among the identities ``auth.roles`` names. The other way, ``slack.users`` first, then Slack's
``users.lookupByEmail`` with the syncwatch user's e-mail address.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.config import Settings
from core.errors import SyncwatchError
from core.roles import Identity, valid_roles
from core.users import user_by_email, user_email, user_roles

log = logging.getLogger(__name__)


class SlackUserError(SyncwatchError):
    """A Slack user syncwatch cannot name; the message tells them how to be linked."""


def syncwatch_identity(
    conn: psycopg.Connection[Any], client: WebClient | None, settings: Settings, slack_user: str
) -> Identity:
    """The syncwatch identity (name and current roles) of Slack user ``slack_user``.

    Raises ``SlackUserError`` when no syncwatch user is linked to them.
    """
    mapped = settings.slack.users
    name = mapped.get(slack_user)
    email = None
    if name is None:
        email = _profile_email(client, slack_user)
        if email is not None:
            name = _by_email(conn, settings, email)
    if name is None:
        who = f"Your Slack account ({email})" if email else "Your Slack account"
        raise SlackUserError(
            f"{who} is not linked to a syncwatch user, so syncwatch cannot tell who you are. "
            f"Ask an administrator to set your e-mail address on your syncwatch user "
            f"(syncwatch users email NAME ADDRESS) or to map your Slack id {slack_user} in "
            "slack.users."
        )
    roles = set(user_roles(conn, name))
    if settings.auth.mode != "local":
        roles |= set(settings.auth.roles.get(name, ()))
    return Identity(name, valid_roles(roles), settings.auth.mode)


def slack_user_id(
    conn: psycopg.Connection[Any], client: WebClient, settings: Settings, user_name: str
) -> str | None:
    """The Slack user id of syncwatch user ``user_name``, or None when Slack has no such user.

    Raises ``SlackApiError`` when Slack fails for another reason (the caller retries).
    """
    email = None
    for key, name in settings.slack.users.items():
        if name != user_name:
            continue
        if "@" not in key:
            return key
        email = key
    email = email or user_email(conn, user_name) or (user_name if "@" in user_name else None)
    if email is None:
        return None
    try:
        found = client.users_lookupByEmail(email=email)
    except SlackApiError as exc:
        if _error(exc) == "users_not_found":
            return None
        raise
    user = found.get("user") or {}
    return str(user["id"]) if user.get("id") else None


def _by_email(conn: psycopg.Connection[Any], settings: Settings, email: str) -> str | None:
    lowered = email.lower()
    for key, name in settings.slack.users.items():
        if key.lower() == lowered:
            return name
    found = user_by_email(conn, email)
    if found is not None:
        return found
    if settings.auth.mode != "local":
        return next((n for n in settings.auth.roles if n.lower() == lowered), None)
    return None


def _profile_email(client: WebClient | None, slack_user: str) -> str | None:
    """The e-mail address on the Slack user's profile (needs users:read.email), if shown."""
    if client is None:
        return None
    try:
        info = client.users_info(user=slack_user)
    except (SlackApiError, OSError) as exc:
        reason = _error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("Slack could not say who %s is: %s", slack_user, reason)
        raise SlackUserError(
            f"Slack could not tell syncwatch who you are just now ({reason}): try again in a "
            "minute."
        ) from None
    profile = (info.get("user") or {}).get("profile") or {}
    email = profile.get("email")
    return str(email) if email else None


def _error(exc: SlackApiError) -> str:
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error") or f"HTTP {exc.response.status_code}")
