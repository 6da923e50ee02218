"""Socket Mode: syncwatch connects out to Slack and receives button clicks over a WebSocket.

For deployments Slack cannot reach over HTTPS. slack_sdk's built-in ``SocketModeClient`` asks
``apps.connections.open`` (with the app-level token) for a WebSocket URL, connects, and
reconnects when Slack drops the connection. Every envelope is acknowledged at once, as Slack
wants within three seconds; interactive ones are then handled like the HTTP endpoint's. The
WebSocket is authenticated by the token, so no signature is involved.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from alerts.slack_interactions import InteractionHandler

log = logging.getLogger(__name__)

RETRY_SECONDS: Final = 30.0
CLIENT_TIMEOUT_SECONDS: Final = 30


class SocketModeListener:
    """The Socket Mode connection and what it does with each envelope, until ``stop``."""

    def __init__(self, handler: InteractionHandler, base_url: str, app_token: str) -> None:
        self.handler = handler
        web = WebClient(base_url=base_url, timeout=CLIENT_TIMEOUT_SECONDS)
        self.client = SocketModeClient(app_token=app_token, web_client=web)
        self.client.socket_mode_request_listeners.append(self._on_request)
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._connect, daemon=True, name="slack-socket")

    def start(self) -> None:
        """Connect in the background, trying again every 30 s until Slack answers."""
        self._thread.start()

    def stop(self) -> None:
        """Close the connection; envelopes in hand are finished first."""
        self._stopping.set()
        self._thread.join(CLIENT_TIMEOUT_SECONDS)
        self.client.close()

    def _connect(self) -> None:
        while not self._stopping.is_set():
            try:
                self.client.connect()
            except (SlackApiError, SlackClientError, OSError) as exc:
                reason = type(exc).__name__
            else:
                if self.client.is_connected():
                    log.info("Slack Socket Mode connected: alert buttons are live")
                    self.connected.set()
                    return
                reason = "the WebSocket handshake failed"
            log.warning("Slack Socket Mode: could not connect (%s); trying again in %.0f s",
                        reason, RETRY_SECONDS)  # fmt: skip
            self._stopping.wait(RETRY_SECONDS)

    def _on_request(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type != "interactive":
            log.info("Slack Socket Mode: ignored a %r envelope", request.type)
            return
        self.handler.handle(request.payload)
