"""Stripe's HTTP conventions: secret-key auth, error classification and list envelopes."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from pydantic import SecretStr

from collectors.errors import AuthenticationError, FatalSourceError, RetriableError
from collectors.http import SourceClient, api_message
from core.config.base import read_secret
from core.config.sources import StripeSource
from core.logs import redact


class StripeKeyAuth:
    """Bearer auth with a secret key, which cannot be refreshed when refused."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key

    def apply(self, request: httpx.Request) -> None:
        """Send the key as a bearer token."""
        request.headers["Authorization"] = f"Bearer {self._key.get_secret_value()}"

    def refresh(self) -> None:
        """A secret key has no refresh: a refused key must be replaced by an operator."""
        raise AuthenticationError("stripe: the secret key was refused; replace it")


def _message(response: httpx.Response) -> str:
    """Stripe's own error message, or an excerpt of the body when it is not Stripe's shape."""
    try:
        body = response.json()
    except ValueError:
        return api_message(response)
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str):
        return api_message(response)
    return redact(" ".join(message.split())[:200])


def stripe_classifier(response: httpx.Response) -> None:
    """Sort a Stripe response into usable, retriable or fatal."""
    status = response.status_code
    if status < 400:
        return
    message = f"HTTP {status}: {_message(response)}"
    # Stripe's clients obey this header over the status code, in both directions.
    should_retry = response.headers.get("Stripe-Should-Retry")
    if should_retry == "false":
        raise FatalSourceError(f"Stripe says not to retry: {message}")
    if status == 429:
        # No Retry-After from Stripe: the client's exponential backoff paces the retry.
        raise RetriableError(message, rate_limited=True)
    if should_retry == "true" or status >= 500:
        raise RetriableError(message)
    if status == 401:
        raise AuthenticationError(f"Stripe refused the secret key: {message}")
    raise FatalSourceError(f"Stripe refused the request: {message}")


def stripe_client(
    name: str, settings: StripeSource, stop: threading.Event | None = None
) -> SourceClient:
    """The shared HTTP client of one Stripe source (``stop``: the process's stop event)."""
    key = read_secret(settings.api_key_env)
    return SourceClient(
        name,
        settings.base_url,
        auth=StripeKeyAuth(key),
        timeout=settings.timeout.total_seconds(),
        max_retries=settings.max_retries,
        backoff_initial=settings.backoff_initial.total_seconds(),
        backoff_max=settings.backoff_max.total_seconds(),
        budget=settings.request_budget,
        classifier=stripe_classifier,
        secrets=(key.get_secret_value(),),
        headers={"Stripe-Version": settings.api_version},
        stop=stop,
    )


def list_page(client: SourceClient, path: str, params: dict[str, Any]) -> tuple[list[Any], bool]:
    """GET one list page: its ``data`` and ``has_more``; a body of another shape is fatal."""
    response = client.get(path, params=params)
    try:
        body = response.json()
    except ValueError:
        raise FatalSourceError(f"Stripe {path}: response is not JSON") from None
    data = body.get("data") if isinstance(body, dict) else None
    has_more = body.get("has_more") if isinstance(body, dict) else None
    if not isinstance(data, list) or not isinstance(has_more, bool):
        raise FatalSourceError(f"Stripe {path}: response is not a list object")
    return data, has_more
