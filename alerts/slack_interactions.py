"""Handle one interaction Slack delivered (over HTTP or Socket Mode): act, answer, deliver.

Slack has already been told the interaction arrived (it wants that within three seconds); this
does the work after. A refusal or a click that changes nothing is answered to the person alone
through the interaction's ``response_url``; a change is answered by the alert's message itself,
updated in place by a delivery pass started at once rather than at the next scheduled one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg

from alerts.outbox import deliver_due, slack_token, web_client_factory
from alerts.slack_actions import Answer, act, clicks
from core.config import Settings
from core.database import Database
from core.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)

ANSWER_TIMEOUT_SECONDS = 10
# Where Slack's response URLs point (Slack's own hooks host, or the configured API's host).
SLACK_HOOKS = "hooks.slack.com"


class InteractionHandler:
    """Acts on the button presses of interaction payloads, as of the clock's now."""

    def __init__(self, db: Database, settings: Settings, now: Callable[[], datetime]) -> None:
        self.db = db
        self.settings = settings
        self.now = now

    def handle(self, payload: dict[str, Any]) -> None:
        """Act on every button press in ``payload``, answer refusals, deliver the updates."""
        presses = clicks(payload)
        if not presses:
            log.info("ignored a Slack interaction of type %r", payload.get("type"))
            return
        token = slack_token(self.settings)
        client = web_client_factory(self.settings)(token) if token else None
        changed = False
        for click in presses:
            try:
                answer = act(self.db, self.settings, client, click, self.now())
            except (DatabaseUnavailableError, psycopg.OperationalError) as exc:
                log.error("a Slack click on %s could not be recorded: the store cannot be "
                          "reached (%s)", click.action_id, type(exc).__name__)  # fmt: skip
                answer = Answer(False, "syncwatch could not record this just now (its database "
                                       "did not answer): try again in a minute.")  # fmt: skip
            changed |= answer.changed
            if answer.text and click.response_url:
                self._answer(click.response_url, answer.text)
        if changed:
            deliver_due(self.db, self.settings, self.now())

    def _answer(self, url: str, text: str) -> None:
        """Tell only the person who clicked (an ephemeral message; the alert stays as it is)."""
        if not self._slack_url(url):
            log.warning("did not answer a Slack click: its response URL is not Slack's (%s)",
                        urlsplit(url).netloc)  # fmt: skip
            return
        body = {"response_type": "ephemeral", "replace_original": False, "text": text}
        try:
            response = httpx.post(url, json=body, timeout=ANSWER_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            log.warning("could not answer a Slack click: %s", type(exc).__name__)
            return
        if response.status_code >= 400:
            log.warning("Slack refused the answer to a click: HTTP %d", response.status_code)

    def _slack_url(self, url: str) -> bool:
        parts = urlsplit(url)
        api = urlsplit(self.settings.slack.base_url)
        if parts.scheme == "https" and parts.hostname == SLACK_HOOKS:
            return True
        return (parts.scheme, parts.netloc) == (api.scheme, api.netloc)
