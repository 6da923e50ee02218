"""The NetSuite SuiteTalk REST simulator: ``POST /services/rest/query/v1/suiteql``.

Errors use NetSuite's envelope (``type``, ``title``, ``status``, ``o:errorDetails``). Paging is
stateless ``limit``/``offset`` over the query re-run at the current simulated time, as NetSuite
does. The 100,000-result ceiling: ``totalResults`` reports every matching row, ``hasMore`` turns
false once offset + count reaches 100,000, and a request whose offset + limit passes 100,000 is
refused with 400 INVALID_PARAMETER, so a collector learns to narrow its query by watermark.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import NetSuiteCredentials
from sandbox.netsuite.auth import NetSuiteAuthenticator
from sandbox.netsuite.query import SUITEQL, SuiteQLError, parse_suiteql
from sandbox.netsuite.render import SYSTEM, TABLES, ItemRenderer, table_rows
from sandbox.profile import TransportFaults
from sandbox.wire.stats import SimulatorStats
from sandbox.wire.transport import TransportFaultInjector

__all__ = ["NetSuiteCredentials", "create_netsuite_app"]

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
MAX_LIMIT = 1000
MAX_RESULTS = 100_000
_RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110.html#section-"
_TITLES = {
    400: ("15.5.1", "Bad Request"),
    401: ("15.5.2", "Unauthorized"),
    404: ("15.5.5", "Not Found"),
    405: ("15.5.6", "Method Not Allowed"),
    500: ("15.6.1", "Internal Server Error"),
}


def ns_error(status: int, code: str, detail: str, **extra: str) -> JSONResponse:
    """An error in NetSuite's REST envelope; ``extra`` adds o:errorQueryParam and the like."""
    if status == 429:
        kind, title = "https://www.rfc-editor.org/rfc/rfc6585.html#section-4", "Too Many Requests"
    else:
        section, title = _TITLES[status]
        kind = _RFC9110 + section
    details: dict[str, str] = {"detail": detail, "o:errorCode": code}
    details.update({f"o:{key}": value for key, value in extra.items()})
    return JSONResponse(
        {"type": kind, "title": title, "status": status, "o:errorDetails": [details]},
        status_code=status,
        media_type="application/vnd.oracle.resource+json; type=error",
    )


def _bad_query(reason: str) -> JSONResponse:
    return ns_error(
        400,
        "INVALID_PARAMETER",
        "Invalid search query. Detailed unprocessed description follows. "
        f"Search error occurred: {reason}",
        errorQueryParam="q",
    )


def _int_param(request: Request, name: str, default: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return int(raw) if raw.isdigit() else None


class _NetSuiteSimulator:
    def __init__(
        self,
        world: World,
        clock: SimulatedClock,
        seed: int,
        faults: TransportFaults,
        credentials: NetSuiteCredentials,
        timezone: str,
    ) -> None:
        self.world = world
        self.clock = clock
        self.credentials = credentials
        self.tz = ZoneInfo(timezone)
        self.stats = SimulatorStats()
        self.auth = NetSuiteAuthenticator(credentials)
        self.renderer = ItemRenderer(seed, faults, self.tz)
        self.injector = TransportFaultInjector(
            seed=seed,
            system=SYSTEM,
            faults=faults,
            rate_limited_response=lambda: ns_error(
                429,
                "CONCURRENCY_LIMIT_EXCEEDED",
                "Concurrent request limit exceeded. Request blocked.",
            ),
            server_error_response=lambda: ns_error(
                500,
                "UNEXPECTED_ERROR",
                "An unexpected error occurred. Error ID: sandbox-simulated-failure",
            ),
            counters=self.stats.faults,
        )

    def unauthorized(self) -> Response:
        response = ns_error(
            401,
            "INVALID_LOGIN",
            "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite "
            "UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
        )
        response.headers["www-authenticate"] = (
            f'OAuth realm="{self.credentials.account_id}", error="token_rejected", '
            'error_description="Invalid login attempt."'
        )
        return response

    async def suiteql(self, request: Request) -> Response:
        self.stats.count("suiteql")
        url = str(request.url)
        if not self.auth.authenticate(request.method, url, request.headers):
            return self.unauthorized()
        fault = await self.injector.intercept()
        if fault is not None:
            return fault
        if "transient" not in request.headers.get("prefer", "").lower():
            return ns_error(
                400,
                "USER_ERROR",
                "Invalid Prefer header. SuiteQL queries require the header 'Prefer: transient'.",
                errorHeader="Prefer",
            )
        limit = _int_param(request, "limit", MAX_LIMIT)
        offset = _int_param(request, "offset", 0)
        if limit is None or not 1 <= limit <= MAX_LIMIT:
            return ns_error(
                400,
                "INVALID_PARAMETER",
                f"Invalid value for query parameter limit. The value must be between 1 and "
                f"{MAX_LIMIT}.",
                errorQueryParam="limit",
            )
        if offset is None:
            return ns_error(
                400,
                "INVALID_PARAMETER",
                "Invalid value for query parameter offset. The value must be a positive integer.",
                errorQueryParam="offset",
            )
        if offset + limit > MAX_RESULTS:
            return ns_error(
                400,
                "INVALID_PARAMETER",
                f"The sum of offset and limit exceeds {MAX_RESULTS}, the number of results a "
                "query can page through. Narrow the query.",
                errorQueryParam="offset",
            )
        try:
            body = json.loads(await request.body())
            text = body["q"]
            if not isinstance(text, str):
                raise TypeError(text)
        except (ValueError, KeyError, TypeError):
            return ns_error(
                400,
                "INVALID_CONTENT",
                "Invalid content in the request body. Expected a JSON object with a 'q' string.",
            )
        try:
            query = parse_suiteql(text, TABLES, self.tz)
        except SuiteQLError as exc:
            return _bad_query(str(exc))
        rows = table_rows(self.world, query.table, self.clock.now(), self.tz)
        ordered = SUITEQL.select(rows, query.where, query.order_by)
        page = ordered[offset : offset + limit]
        reachable = min(len(ordered), MAX_RESULTS)
        has_more = offset + len(page) < reachable
        base = f"{str(request.base_url).rstrip('/')}{SUITEQL_PATH}"

        def link(rel: str, at: int) -> dict[str, str]:
            return {"rel": rel, "href": f"{base}?limit={limit}&offset={at}"}

        links = []
        if offset > 0:
            links.append(link("previous", max(0, offset - limit)))
        links.append(link("first", 0))
        if has_more:
            links.append(link("next", offset + limit))
        links.append(link("last", max(0, (reachable - 1) // limit * limit)))
        links.append(link("self", offset))
        return JSONResponse(
            {
                "links": links,
                "count": len(page),
                "hasMore": has_more,
                "items": self.renderer.render(query.table, query.items, page),
                "offset": offset,
                "totalResults": len(ordered),
            }
        )


def create_netsuite_app(
    world: World,
    clock: SimulatedClock,
    seed: int,
    faults: TransportFaults,
    credentials: NetSuiteCredentials,
    timezone: str = "America/Los_Angeles",
) -> Starlette:
    """A Starlette app serving ``world`` as a NetSuite account; counts in ``app.state.stats``."""
    sim = _NetSuiteSimulator(world, clock, seed, faults, credentials, timezone)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status == 405:
            return ns_error(405, "INVALID_REQUEST", f"Method {request.method} is not allowed.")
        return ns_error(404, "NONEXISTENT_ID", "The requested resource does not exist.")

    app = Starlette(
        routes=[Route(SUITEQL_PATH, sim.suiteql, methods=["POST"])],
        exception_handlers={404: not_found, 405: not_found},
    )
    app.state.stats = sim.stats
    return app
