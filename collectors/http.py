"""The one HTTP client every connector uses: timeouts, retries with backoff, budget, redaction.

A client may be handed the process's stop event: once it is set, a retry wait ends at once, no
further request is sent and the call raises ``PollStoppedError`` instead of waiting out a long
``Retry-After``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_when_event_set,
    wait_exponential_jitter,
)

from collectors.errors import (
    AuthenticationError,
    BudgetExhaustedError,
    FatalSourceError,
    PollStoppedError,
    RetriableError,
    SourceUnreachableError,
    TokenExpiredError,
)
from collectors.telemetry import REQUEST_SECONDS, REQUESTS
from core.logs import redact, register_secret
from core.redaction import mask_url

log = logging.getLogger(__name__)


class Authenticator(Protocol):
    """Adds credentials to a request and can fetch a fresh token when one is refused."""

    def apply(self, request: httpx.Request) -> None:
        """Sign or authorise ``request`` in place."""

    def refresh(self) -> None:
        """Obtain new credentials (raise AuthenticationError when they are refused)."""


class NoAuth:
    """For sources without request credentials (tests, public endpoints)."""

    def apply(self, request: httpx.Request) -> None:
        """Leave the request as it is."""

    def refresh(self) -> None:
        """Nothing to refresh."""


Classifier = Callable[[httpx.Response], None]
"""Inspects a response and raises the matching collector error; returns for a usable one."""


@dataclass
class RequestStats:
    """Counters of one client, read by the runner after every page."""

    api_calls: int = 0
    retries: int = 0
    rate_limited: int = 0


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def api_message(response: httpx.Response, limit: int = 200) -> str:
    """A short, redacted excerpt of an error body."""
    text = " ".join(response.text.split())
    return redact(text[:limit] + ("…" if len(text) > limit else ""))


def default_classifier(response: httpx.Response) -> None:
    """The HTTP status rules most APIs follow."""
    status = response.status_code
    if status < 400:
        return
    if status == 401:
        raise TokenExpiredError(f"HTTP 401: {api_message(response)}")
    if status == 429:
        raise RetriableError(
            f"HTTP 429: {api_message(response)}",
            retry_after=retry_after_seconds(response),
            rate_limited=True,
        )
    if status >= 500:
        raise RetriableError(
            f"HTTP {status}: {api_message(response)}", retry_after=retry_after_seconds(response)
        )
    raise FatalSourceError(f"HTTP {status} from the API: {api_message(response)}")


class SourceClient:
    """HTTP access to one source, shared by all of its streams."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        auth: Authenticator | None = None,
        timeout: float = 30.0,
        max_retries: int = 6,
        backoff_initial: float = 0.5,
        backoff_max: float = 60.0,
        budget: int | None = None,
        classifier: Classifier = default_classifier,
        secrets: tuple[str, ...] = (),
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.source = source
        self.stop = stop or threading.Event()
        self.auth: Authenticator = auth or NoAuth()
        self.max_retries = max_retries
        self.budget = budget
        self.classifier = classifier
        self.stats = RequestStats()
        self.backoff_max = backoff_max
        self._backoff = wait_exponential_jitter(multiplier=backoff_initial, max=backoff_max)
        for secret in secrets:
            register_secret(secret)
        self._http = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            headers={"User-Agent": "syncwatch", **(headers or {})},
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request, retrying transient failures; raise a collector error otherwise."""
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1) | stop_when_event_set(self.stop),
            wait=self._wait,
            sleep=self.pause,
            retry=retry_if_exception_type(RetriableError),
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send_with_refresh(method, url, **kwargs)
        except RetriableError as exc:
            if self.stop.is_set():
                raise PollStoppedError(f"{self.source}: stopped while retrying: {exc}") from None
            raise SourceUnreachableError(
                f"{self.source}: gave up after {self.max_retries + 1} attempts: {exc}"
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET ``url``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST ``url``."""
        return self.request("POST", url, **kwargs)

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or raise PollStoppedError as soon as the process is stopping."""
        if self.stop.wait(seconds):
            raise PollStoppedError(f"{self.source}: stopped while waiting {seconds:.0f} s")

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            # A Retry-After of hours would stall the whole poll; the cap bounds every wait.
            return min(exc.retry_after, self.backoff_max)
        return float(self._backoff(state))

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.info("%s: retrying after %s", self.source, exc)

    def _send_with_refresh(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._send_once(method, url, **kwargs)
        except TokenExpiredError:
            self.auth.refresh()
        try:
            return self._send_once(method, url, **kwargs)
        except TokenExpiredError as exc:
            raise AuthenticationError(f"{self.source}: credentials refused: {exc}") from None

    def _send_once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if self.stop.is_set():
            raise PollStoppedError(f"{self.source}: stopped before the next request")
        if self.budget is not None and self.stats.api_calls >= self.budget:
            raise BudgetExhaustedError(
                f"{self.source}: request budget of {self.budget} calls spent for this poll"
            )
        request = self._http.build_request(method, url, **kwargs)
        self.auth.apply(request)
        self.stats.api_calls += 1
        started = time.perf_counter()
        try:
            response = self._http.send(request)
            response.read()
        except httpx.TransportError as exc:
            REQUESTS.labels(self.source, "network_error").inc()
            raise RetriableError(
                f"{type(exc).__name__} calling {mask_url(str(request.url))}: {redact(str(exc))}"
            ) from None
        finally:
            REQUEST_SECONDS.labels(self.source).observe(time.perf_counter() - started)
        REQUESTS.labels(self.source, str(response.status_code)).inc()
        try:
            self.classifier(response)
        except RetriableError as exc:
            if exc.rate_limited:
                self.stats.rate_limited += 1
            raise
        return response
