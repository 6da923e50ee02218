"""The interactivity endpoint Slack posts button clicks to: ``POST /slack/interactions``.

Each request is checked (``alerts.slack_requests``) before anything else; a refused one gets
401, changes nothing and is logged with the reason and the sender's address (never the
secret). An accepted one is acknowledged at once, as Slack wants within three seconds, and
handled after the answer has gone. ``GET /healthz`` answers for load balancers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from typing import Any, Final
from urllib.parse import parse_qs

import uvicorn
from prometheus_client import Counter
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from alerts.slack_interactions import InteractionHandler
from alerts.slack_requests import refusal
from core.database import Database
from core.errors import SyncwatchError

log = logging.getLogger(__name__)

PATH: Final = "/slack/interactions"
MAX_BODY_BYTES: Final = 1024 * 1024
_STARTUP_TIMEOUT_SECONDS: Final = 10.0

INTERACTIONS = Counter(
    "syncwatch_slack_interactions_total",
    "Slack interaction requests received, by outcome (accepted, refused, malformed).",
    ["outcome"],
)


class InteractivityError(SyncwatchError):
    """Slack interactivity cannot start: a missing secret or a taken port."""

    exit_code = 2


def interactions_app(db: Database, signing_secret: str, handler: InteractionHandler) -> Starlette:
    """The endpoint, verifying with ``signing_secret`` and handing payloads to ``handler``."""
    verifier = SignatureVerifier(signing_secret)

    async def interactions(request: Request) -> Response:
        body = await request.body()
        peer = request.client.host if request.client else "unknown"
        if len(body) > MAX_BODY_BYTES:
            return _refused(peer, "too large", 413)
        why = await run_in_threadpool(refusal, db, verifier, body, dict(request.headers))
        if why is not None:
            return _refused(peer, why, 401)
        payload = _payload(body)
        if payload is None:
            INTERACTIONS.labels("malformed").inc()
            log.warning("a signed Slack request from %s carried no interaction payload", peer)
            return PlainTextResponse("no payload", status_code=400)
        INTERACTIONS.labels("accepted").inc()
        return Response(status_code=200, background=BackgroundTask(handler.handle, payload))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route(PATH, interactions, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def _refused(peer: str, why: str, status: int) -> Response:
    INTERACTIONS.labels("refused").inc()
    log.warning("refused a Slack interaction request from %s: %s", peer, why)
    return PlainTextResponse("refused", status_code=status)


def _payload(body: bytes) -> dict[str, Any] | None:
    """The JSON of the form field ``payload=`` Slack posts, or None."""
    try:
        fields = parse_qs(body.decode(), strict_parsing=True)
        payload = json.loads(fields["payload"][0])
    except (UnicodeDecodeError, ValueError, KeyError):
        return None
    return payload if isinstance(payload, dict) else None


class InteractivityServer:
    """The endpoint served on its own thread beside the scheduler, until ``stop``."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError as exc:
            self._socket.close()
            raise InteractivityError(
                f"slack.interactivity: cannot listen on {host}:{port} ({exc.strerror})"
            ) from None
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://{host}:{self.port}{PATH}"
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._socket])),
            daemon=True,
            name="slack-interactivity",
        )

    def start(self) -> None:
        """Serve, returning once the endpoint answers."""
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise InteractivityError(
                    f"the Slack interactivity endpoint did not start at {self.url}"
                )
            time.sleep(0.02)
        log.info("Slack interactivity endpoint at %s", self.url)

    def stop(self) -> None:
        """Stop serving (clicks in flight finish first)."""
        self._server.should_exit = True
        self._thread.join(_STARTUP_TIMEOUT_SECONDS)
        self._socket.close()
