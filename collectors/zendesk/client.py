"""Zendesk's HTTP conventions: API-token auth, error classification, export pacing."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr

from collectors.errors import AuthenticationError, FatalSourceError, RetriableError
from collectors.http import SourceClient, api_message, retry_after_seconds
from core.config.base import read_secret
from core.config.sources import ZendeskSource


class ZendeskTokenAuth:
    """Basic auth with ``{email}/token`` and an API token, which cannot be refreshed."""

    def __init__(self, email: str, token: SecretStr) -> None:
        self._header = "Basic " + base64.b64encode(
            f"{email}/token:{token.get_secret_value()}".encode()
        ).decode("ascii")

    def apply(self, request: httpx.Request) -> None:
        """Add the Authorization header."""
        request.headers["Authorization"] = self._header

    def refresh(self) -> None:
        """An API token has no refresh: a refused token must be replaced by an operator."""
        raise AuthenticationError("zendesk: the API token was refused; replace it")


def zendesk_classifier(response: httpx.Response) -> None:
    """Sort a Zendesk response into usable, retriable or fatal (429 bodies may be plain text)."""
    status = response.status_code
    if status < 400:
        return
    message = f"HTTP {status}: {api_message(response)}"
    if status == 429:
        raise RetriableError(message, retry_after=retry_after_seconds(response), rate_limited=True)
    if status >= 500:
        raise RetriableError(message, retry_after=retry_after_seconds(response))
    if status == 401:
        raise AuthenticationError(f"Zendesk refused the API token: {message}")
    raise FatalSourceError(f"Zendesk refused the request: {message}")


class ExportGate:
    """Spaces export requests to the configured rate and keeps the export budget last reported.

    The incremental exports have their own small limit (10 requests a minute by default), far
    below the account's; spacing requests keeps a poll from spending its time in 429 waits.
    ``pause`` waits (the client's, which a stopping process cuts short).
    """

    def __init__(self, per_minute: int, pause: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / per_minute
        self._pause = pause
        self._next = 0.0
        self._lock = threading.Lock()
        self.usage: dict[str, Any] | None = None

    def wait(self) -> None:
        """Block until the next export request may go out."""
        with self._lock:
            now = time.monotonic()
            if self._next > now:
                self._pause(self._next - now)
                now = self._next
            self._next = now + self.interval

    def observe(self, response: httpx.Response) -> None:
        """Keep the export budget the response reports."""
        limit = response.headers.get("X-Rate-Limit")
        remaining = response.headers.get("X-Rate-Limit-Remaining")
        if limit is not None and remaining is not None and limit.isdigit() and remaining.isdigit():
            self.usage = {"export_limit_per_minute": int(limit), "export_remaining": int(remaining)}


def zendesk_client(
    name: str, settings: ZendeskSource, stop: threading.Event | None = None
) -> SourceClient:
    """The shared HTTP client of one Zendesk source (``stop``: the process's stop event)."""
    token = read_secret(settings.api_token_env)
    return SourceClient(
        name,
        settings.base_url,
        auth=ZendeskTokenAuth(settings.email, token),
        timeout=settings.timeout.total_seconds(),
        max_retries=settings.max_retries,
        backoff_initial=settings.backoff_initial.total_seconds(),
        backoff_max=settings.backoff_max.total_seconds(),
        budget=settings.request_budget,
        classifier=zendesk_classifier,
        secrets=(token.get_secret_value(),),
        stop=stop,
    )


def export_page(
    client: SourceClient, gate: ExportGate, path: str, params: dict[str, Any]
) -> dict[str, Any]:
    """GET one export page, paced; a body that is not a JSON object is fatal."""
    gate.wait()
    response = client.get(path, params=params)
    gate.observe(response)
    try:
        body = response.json()
    except ValueError:
        raise FatalSourceError(f"Zendesk {path}: response is not JSON") from None
    if not isinstance(body, dict):
        raise FatalSourceError(f"Zendesk {path}: response is not an object")
    return body
