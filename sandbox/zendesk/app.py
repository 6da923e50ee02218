"""A Zendesk Support simulator: cursor-based ticket export and time-based organization export.

State is rendered at the simulated clock's ``now``; as in Zendesk, records changed within the
last minute are withheld so a stream never hands out an item that may still change under the
same timestamp. The export rate limit counts requests per rolling wall-clock minute, because
clients wait out ``Retry-After`` in real seconds whatever the simulated speed.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.model import SupportTicket
from sandbox.profile import TransportFaults
from sandbox.wire.encoding import unix
from sandbox.wire.stats import SimulatorStats
from sandbox.wire.transport import TransportFaultInjector
from sandbox.zendesk.auth import authenticated
from sandbox.zendesk.render import ZendeskRenderer

TICKETS_PATH = "/api/v2/incremental/tickets/cursor.json"
ORGANIZATIONS_PATH = "/api/v2/incremental/organizations.json"
MAX_PER_PAGE = 1000
WITHHELD = timedelta(minutes=1)
_WINDOW_SECONDS = 60.0

Position = tuple[int, int]


class ZendeskRequestError(Exception):
    """A request Zendesk refuses, rendered as ``{"error": ..., "description": ...}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class RollingLimit:
    """At most ``per_minute`` requests in any rolling wall-clock minute."""

    def __init__(self, per_minute: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._monotonic = monotonic
        self._admitted: deque[float] = deque()

    def admit(self) -> tuple[bool, int, int]:
        """Count one request: (admitted, requests left this minute, seconds until one frees)."""
        now = self._monotonic()
        while self._admitted and self._admitted[0] <= now - _WINDOW_SECONDS:
            self._admitted.popleft()
        if len(self._admitted) >= self.per_minute:
            wait = math.ceil(self._admitted[0] + _WINDOW_SECONDS - now)
            return False, 0, max(wait, 1)
        self._admitted.append(now)
        return True, self.per_minute - len(self._admitted), 0


def encode_cursor(position: Position) -> str:
    """Zendesk-style opaque cursor for a (generated_timestamp, id) position."""
    raw = f"{position[0]}.0||{position[1]}|".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position a cursor names; ZendeskRequestError if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, rest = raw.partition("||")
        return int(float(stamp)), int(rest.rstrip("|"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ZendeskRequestError(400, "InvalidPaginationParameter", "Invalid cursor") from None


def _retry_after_seconds(faults: TransportFaults) -> int:
    return max(1, math.ceil(faults.retry_after.total_seconds()))


def _rate_limited(seconds: int) -> Response:
    # Zendesk answers 429 in plain text, so clients must not assume a JSON body.
    return PlainTextResponse(
        f"Rate Limited. Retry after {seconds} seconds.",
        status_code=429,
        headers={"Retry-After": str(seconds)},
    )


def _error(exc: ZendeskRequestError) -> Response:
    return JSONResponse({"error": exc.error, "description": exc.description}, exc.status)


def _parse_int(request: Request, name: str, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ZendeskRequestError(400, "InvalidValue", f"{name} must be between {low} and {high}")
    return value


class _ZendeskApi:
    """Request handlers over one world; the app factory wires them to routes."""

    def __init__(self, world: World, clock: SimulatedClock, seed: int, faults: TransportFaults):
        self.clock = clock
        self.render = ZendeskRenderer(seed, faults)
        self.tickets = list(world.tickets)
        self.organizations = sorted(world.organizations, key=lambda o: (o.created, o.id))

    def _ticket_order(self, now: datetime) -> list[tuple[Position, SupportTicket]]:
        settled = now - WITHHELD
        keyed = [
            ((unix(t.updated(now)), t.id), t)
            for t in self.tickets
            if t.created <= now and t.updated(now) <= settled
        ]
        keyed.sort(key=lambda pair: pair[0])
        return keyed

    async def tickets_export(self, request: Request) -> Response:
        """GET the cursor-based incremental ticket export."""
        per_page = _parse_int(request, "per_page", 1, MAX_PER_PAGE) or MAX_PER_PAGE
        cursor = request.query_params.get("cursor")
        if cursor is not None:
            position = decode_cursor(cursor)
        else:
            start = _parse_int(request, "start_time", 0, 2**40)
            if start is None:
                raise ZendeskRequestError(400, "InvalidValue", "start_time or cursor is required")
            # Ids start at 1, so (start, 0) puts every ticket stamped ``start`` after it.
            position = (start, 0)
        now = self.clock.now()
        remaining = [(p, t) for p, t in self._ticket_order(now) if p > position]
        page = remaining[:per_page]
        last = page[-1][0] if page else position
        after = encode_cursor(last)
        base = str(request.base_url).rstrip("/")
        extra = f"&per_page={per_page}" if "per_page" in request.query_params else ""
        body = {
            "tickets": [self.render.ticket(t, now, base) for _, t in page],
            "after_url": f"{base}{TICKETS_PATH}?cursor={after}{extra}",
            "after_cursor": after,
            # Going backwards is not simulated; collectors only ever move forward.
            "before_url": None,
            "before_cursor": None,
            "end_of_stream": len(remaining) <= per_page,
        }
        return JSONResponse(body)

    async def organizations_export(self, request: Request) -> Response:
        """GET the time-based incremental organization export.

        A page always closes on a whole second: it takes every organization stamped with the
        last second it reaches, and ``end_time`` (the next ``start_time``) is the second after,
        so consecutive pages neither repeat nor skip a record.
        """
        per_page = _parse_int(request, "per_page", 1, MAX_PER_PAGE) or MAX_PER_PAGE
        start = _parse_int(request, "start_time", 0, 2**40)
        if start is None:
            raise ZendeskRequestError(400, "InvalidValue", "start_time is required")
        now = self.clock.now()
        settled = now - WITHHELD
        eligible = [
            o for o in self.organizations if o.created <= settled and unix(o.created) >= start
        ]
        page = eligible[:per_page]
        if page:
            last = page[-1].created
            page += [o for o in eligible[per_page:] if o.created == last]
        end_time = unix(page[-1].created) + 1 if page else start
        base = str(request.base_url).rstrip("/")
        body = {
            "organizations": [self.render.organization(o, base) for o in page],
            "next_page": f"{base}{ORGANIZATIONS_PATH}?start_time={end_time}",
            "end_time": end_time,
            "count": len(page),
            "end_of_stream": len(page) == len(eligible),
        }
        return JSONResponse(body)


def create_zendesk_app(
    world: World,
    clock: SimulatedClock,
    seed: int,
    faults: TransportFaults,
    email: str,
    api_token: str,
    export_per_minute: int = 10,
) -> Starlette:
    """The Zendesk simulator as an ASGI app; request counts are on ``app.state.stats``."""
    api = _ZendeskApi(world, clock, seed, faults)
    stats = SimulatorStats()
    fault_wait = _retry_after_seconds(faults)
    injector = TransportFaultInjector(
        seed,
        "zendesk",
        faults,
        lambda: _rate_limited(fault_wait),
        lambda: PlainTextResponse(
            "Service Unavailable", status_code=503, headers={"Retry-After": str(fault_wait)}
        ),
    )
    stats.faults = injector.counters
    limit = RollingLimit(export_per_minute)

    def export(name: str, handler: Callable[[Request], Awaitable[Response]]) -> Route:
        async def endpoint(request: Request) -> Response:
            stats.count(name)
            if not authenticated(request, email, api_token):
                return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
            admitted, left, wait = limit.admit()
            response: Response
            try:
                if not admitted:
                    response = _rate_limited(wait)
                else:
                    response = await injector.intercept() or await handler(request)
            except ZendeskRequestError as exc:
                response = _error(exc)
            # The export endpoints report their own budget, the one a collector must pace by.
            response.headers["X-Rate-Limit"] = str(limit.per_minute)
            response.headers["X-Rate-Limit-Remaining"] = str(left)
            return response

        return Route(name, endpoint, methods=["GET"])

    async def not_found(request: Request, exc: Any) -> Response:
        return JSONResponse({"error": "InvalidEndpoint", "description": "Not found"}, 404)

    routes = [
        export(TICKETS_PATH, api.tickets_export),
        export(ORGANIZATIONS_PATH, api.organizations_export),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found})
    app.state.stats = stats
    return app
