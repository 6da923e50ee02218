"""The shared HTTP client over loopback HTTP: retries, Retry-After, refresh, budget, redaction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from collectors.errors import (
    AuthenticationError,
    BudgetExhaustedError,
    FatalSourceError,
    PollStoppedError,
    SourceUnreachableError,
)
from collectors.http import SourceClient, retry_after_seconds
from core.logs import RedactingFilter
from testkit.servers import running_app

SECRET = "sk_test_super_secret_value_123"


class Script:
    """Answers each request with the next scripted response."""

    def __init__(self) -> None:
        self.responses: list[Response] = []
        self.seen: list[Request] = []

    async def handle(self, request: Request) -> Response:
        self.seen.append(request)
        if self.responses:
            return self.responses.pop(0)
        return JSONResponse({"ok": True, "auth": request.headers.get("authorization")})


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def base_url(script: Script) -> Iterator[str]:
    app = Starlette(routes=[Route("/{path:path}", script.handle, methods=["GET", "POST"])])
    with running_app(app) as url:
        yield url


class TokenAuth:
    def __init__(self) -> None:
        self.token = "first-token"
        self.refreshes = 0

    def apply(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.token}"

    def refresh(self) -> None:
        self.refreshes += 1
        self.token = f"token-{self.refreshes + 1}"


def client(base_url: str, **kwargs: object) -> SourceClient:
    options: dict[str, object] = {"backoff_initial": 0.01, "backoff_max": 0.05, "max_retries": 3}
    options.update(kwargs)
    return SourceClient("test", base_url, **options)  # type: ignore[arg-type]


def test_429_honours_retry_after_then_succeeds(base_url: str, script: Script) -> None:
    script.responses = [
        PlainTextResponse("slow down", status_code=429, headers={"Retry-After": "1"}),
        JSONResponse({"data": 1}),
    ]
    with client(base_url, backoff_max=5.0) as c:
        started = time.monotonic()
        response = c.get("/things")
        waited = time.monotonic() - started
    assert response.json() == {"data": 1}
    assert waited >= 1.0
    assert (c.stats.api_calls, c.stats.retries, c.stats.rate_limited) == (2, 1, 1)


def test_retry_after_is_capped_by_backoff_max(base_url: str, script: Script) -> None:
    script.responses = [
        PlainTextResponse("come back tomorrow", status_code=429, headers={"Retry-After": "3600"}),
        Response(status_code=503, headers={"Retry-After": "3600"}),
        JSONResponse({"data": 1}),
    ]
    with client(base_url, backoff_max=0.2) as c:
        started = time.monotonic()
        response = c.get("/things")
        waited = time.monotonic() - started
    assert response.json() == {"data": 1}
    assert 0.4 <= waited < 5.0
    assert c.stats.retries == 2


def test_a_stop_ends_a_long_retry_wait_at_once(base_url: str, script: Script) -> None:
    script.responses = [Response(status_code=503, headers={"Retry-After": "120"})]
    stop = threading.Event()
    with client(base_url, backoff_max=60, stop=stop) as c:
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        with pytest.raises(PollStoppedError, match="stopped while waiting 60 s"):
            c.get("/x")
        waited = time.monotonic() - started
        # Stopped, the client sends nothing more.
        with pytest.raises(PollStoppedError, match="stopped before the next request"):
            c.get("/x")
    assert waited < 5.0
    assert len(script.seen) == 1


def test_5xx_is_retried_with_backoff(base_url: str, script: Script) -> None:
    script.responses = [Response(status_code=503), Response(status_code=500), JSONResponse({})]
    with client(base_url) as c:
        assert c.get("/x").status_code == 200
    assert c.stats.retries == 2


def test_retries_run_out_as_unreachable(base_url: str, script: Script) -> None:
    script.responses = [Response(status_code=502) for _ in range(10)]
    with client(base_url, max_retries=2) as c, pytest.raises(SourceUnreachableError) as info:
        c.get("/x")
    assert "gave up after 3 attempts" in str(info.value)
    assert len(script.seen) == 3


def test_connection_refused_is_retried_then_unreachable() -> None:
    with client("http://127.0.0.1:9", max_retries=1) as c, pytest.raises(SourceUnreachableError):
        c.get("/x")
    assert c.stats.api_calls == 2


def test_401_refreshes_the_token_once(base_url: str, script: Script) -> None:
    auth = TokenAuth()
    script.responses = [JSONResponse([{"errorCode": "INVALID_SESSION_ID"}], status_code=401)]
    with client(base_url, auth=auth) as c:
        body = c.get("/x").json()
    assert auth.refreshes == 1
    assert body["auth"] == "Bearer token-2"


def test_401_after_refresh_is_an_authentication_error(base_url: str, script: Script) -> None:
    auth = TokenAuth()
    script.responses = [Response(status_code=401), Response(status_code=401)]
    with client(base_url, auth=auth) as c, pytest.raises(AuthenticationError) as info:
        c.get("/x")
    assert auth.refreshes == 1
    assert "credentials refused" in str(info.value)


def test_other_4xx_is_fatal_with_the_api_message(base_url: str, script: Script) -> None:
    script.responses = [JSONResponse({"error": {"message": "No such invoice"}}, status_code=404)]
    with client(base_url) as c, pytest.raises(FatalSourceError) as info:
        c.get("/x")
    assert "HTTP 404" in str(info.value) and "No such invoice" in str(info.value)
    assert len(script.seen) == 1


def test_request_budget_stops_the_poll(base_url: str) -> None:
    with client(base_url, budget=2) as c:
        c.get("/a")
        c.get("/b")
        with pytest.raises(BudgetExhaustedError):
            c.get("/c")


def test_retry_after_as_http_date() -> None:
    response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after_seconds(response) == 0.0


def test_secrets_never_reach_errors_or_logs(
    base_url: str, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    script.responses = [
        PlainTextResponse(f"Invalid API Key provided: {SECRET}", status_code=403),
        Response(status_code=500),
        JSONResponse({}),
    ]
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO), client(base_url, secrets=(SECRET,)) as c:
        with pytest.raises(FatalSourceError) as info:
            c.get(f"/x?api_key={SECRET}")
        c.get("/y")
        logging.getLogger("test").info("calling with key %s", SECRET)
    assert SECRET not in str(info.value)
    assert "****" in str(info.value)
    assert SECRET not in caplog.text
