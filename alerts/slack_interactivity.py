"""Start what lets people act on alerts from Slack: the HTTP endpoint or Socket Mode.

Only with ``slack.interactivity`` configured; its secret (the signing secret, or the app-level
token for Socket Mode) comes from the environment variable the configuration names and is
registered so no log line can carry it.
"""

from __future__ import annotations

from typing import Protocol

from alerts.slack_endpoint import InteractivityError, InteractivityServer, interactions_app
from alerts.slack_interactions import InteractionHandler
from alerts.slack_socket import SocketModeListener
from core.clock import Clock
from core.config import Settings
from core.config.base import read_secret
from core.database import Database
from core.logs import register_secret


class Interactivity(Protocol):
    """A running way for Slack to reach syncwatch."""

    def stop(self) -> None:
        """Stop receiving clicks."""


def start_interactivity(db: Database, settings: Settings, clock: Clock) -> Interactivity | None:
    """Start the configured endpoint or Socket Mode connection (None when not configured).

    Raises ``InteractivityError`` when its secret is not set or its port is taken.
    """
    config = settings.slack.interactivity
    if config is None:
        return None
    handler = InteractionHandler(db, settings, clock.now)
    if config.mode == "socket":
        listener = SocketModeListener(
            handler, settings.slack.base_url, _secret("app_token_env", config.app_token_env)
        )
        listener.start()
        return listener
    secret = _secret("signing_secret_env", config.signing_secret_env)
    server = InteractivityServer(interactions_app(db, secret, handler), config.host, config.port)
    server.start()
    return server


def _secret(field: str, env_name: str) -> str:
    try:
        value = read_secret(env_name).get_secret_value()
    except LookupError:
        value = ""
    if not value:
        raise InteractivityError(
            f"slack.interactivity.{field}: environment variable {env_name} is not set "
            "(export it, or name another variable)"
        )
    register_secret(value)
    return value
