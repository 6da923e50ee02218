"""The Salesforce REST simulator: OAuth token endpoint, SOQL query/queryAll and cursor paging.

Every data response carries ``Sforce-Limit-Info``; errors are JSON arrays of
``{message, errorCode}`` as the real API sends them. Results are snapshotted when a query runs,
so ``nextRecordsUrl`` continues the same result set however the simulated clock moves.

``GET /services/data/vXX.X/sobjects/{Type}/deleted/?start=..&end=..`` (sObject Get Deleted)
answers from the delete log: records deleted in the window, whether still in the recycle bin
or purged, for no more than the last 15 days (an older start is refused with
INVALID_REPLICATION_DATE). Seconds are ignored: the window runs in whole minutes and
``latestDateCovered`` is its end; ``earliestDateAvailable`` is where the log's reach begins.
"""

from __future__ import annotations

import random
import re
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import SalesforceCredentials
from sandbox.profile import TransportFaults
from sandbox.query import Value
from sandbox.salesforce.auth import SessionStore
from sandbox.salesforce.query import SOQL, SoqlError, SoqlQuery, parse_soql
from sandbox.salesforce.render import (
    SCHEMAS,
    SYSTEM,
    RecordRenderer,
    deleted_between,
    format_datetime,
    visible_rows,
)
from sandbox.wire.stats import SimulatorStats
from sandbox.wire.transport import TransportFaultInjector

__all__ = ["SalesforceCredentials", "create_salesforce_app"]

DEFAULT_DAILY_LIMIT = 100_000
DEFAULT_BATCH = 2000
MIN_BATCH = 200
# Open cursors kept per org; the oldest is forgotten first, as Salesforce expires idle ones.
MAX_CURSORS = 200
DELETE_LOG_REACH = timedelta(days=15)
_VERSION = re.compile(r"v\d+\.0")
_BATCH_OPTION = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def sf_error(status: int, error_code: str, message: str) -> JSONResponse:
    """An error in Salesforce's array shape."""
    return JSONResponse([{"message": message, "errorCode": error_code}], status_code=status)


@dataclass(slots=True)
class _Cursor:
    query: SoqlQuery
    rows: list[dict[str, Value]]
    batch_size: int


class _SalesforceSimulator:
    def __init__(
        self,
        world: World,
        clock: SimulatedClock,
        seed: int,
        faults: TransportFaults,
        credentials: SalesforceCredentials,
    ) -> None:
        self.world = world
        self.clock = clock
        self.stats = SimulatorStats()
        self.sessions = SessionStore(credentials, faults.token_ttl)
        self.renderer = RecordRenderer(seed, faults)
        self.daily_limit = faults.daily_request_limit or DEFAULT_DAILY_LIMIT
        self.usage: deque[datetime] = deque()
        self.cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._next_cursor = 0
        error_rng = random.Random(f"{seed}:{SYSTEM}:server-errors")
        self.injector = TransportFaultInjector(
            seed=seed,
            system=SYSTEM,
            faults=faults,
            rate_limited_response=lambda: sf_error(
                403,
                "REQUEST_LIMIT_EXCEEDED",
                "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
            ),
            server_error_response=lambda: _server_error(error_rng),
            counters=self.stats.faults,
        )

    def used(self) -> int:
        """API requests in the rolling 24 h window."""
        horizon = self.clock.now() - timedelta(hours=24)
        while self.usage and self.usage[0] <= horizon:
            self.usage.popleft()
        return len(self.usage)

    def limit_header(self, response: Response) -> Response:
        response.headers["Sforce-Limit-Info"] = f"api-usage={self.used()}/{self.daily_limit}"
        return response

    async def token(self, request: Request) -> Response:
        self.stats.count("token")
        return self.limit_header(await self.sessions.token_endpoint(request, self.clock.now()))

    async def guard(self, request: Request, endpoint: str) -> Response | None:
        """Count, authenticate, meter and maybe fault a data request; None lets it through."""
        self.stats.count(endpoint)
        if not _VERSION.fullmatch(request.path_params["version"]):
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        now = self.clock.now()
        if not self.sessions.valid(request.headers.get("authorization"), now):
            return sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        if self.used() >= self.daily_limit:
            return sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        self.usage.append(now)
        return await self.injector.intercept()

    async def query(self, request: Request) -> Response:
        return self.limit_header(await self._run_query(request, "query", include_deleted=False))

    async def query_all(self, request: Request) -> Response:
        return self.limit_header(await self._run_query(request, "queryAll", include_deleted=True))

    async def _run_query(self, request: Request, endpoint: str, include_deleted: bool) -> Response:
        refusal = await self.guard(request, endpoint)
        if refusal is not None:
            return refusal
        text = request.query_params.get("q")
        if not text:
            return sf_error(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            query = parse_soql(text, SCHEMAS)
        except SoqlError as exc:
            return sf_error(400, exc.error_code, exc.message)
        rows = visible_rows(self.world, query.object_name, self.clock.now(), include_deleted)
        rows = SOQL.select(rows, query.where, query.order_by)
        if query.limit is not None:
            rows = rows[: query.limit]
        cursor_id = f"01g5g{self._next_cursor:013d}"
        self._next_cursor += 1
        batch = _batch_size(request.headers.get("sforce-query-options"))
        self.cursors[cursor_id] = _Cursor(query, rows, batch or DEFAULT_BATCH)
        while len(self.cursors) > MAX_CURSORS:
            self.cursors.popitem(last=False)
        return self._page(request, cursor_id, 0)

    async def query_more(self, request: Request) -> Response:
        refusal = await self.guard(request, "queryMore")
        if refusal is not None:
            return self.limit_header(refusal)
        cursor_id, _, offset = request.path_params["locator"].rpartition("-")
        if cursor_id not in self.cursors or not offset.isdigit():
            return self.limit_header(
                sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            )
        self.cursors.move_to_end(cursor_id)
        return self.limit_header(self._page(request, cursor_id, int(offset)))

    async def get_deleted(self, request: Request) -> Response:
        refusal = await self.guard(request, "getDeleted")
        if refusal is not None:
            return self.limit_header(refusal)
        return self.limit_header(self._deleted(request))

    def _deleted(self, request: Request) -> Response:
        sobject = request.path_params["sobject"]
        if sobject not in SCHEMAS:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        try:
            start = _minute(datetime.fromisoformat(request.query_params["start"]))
            end = _minute(datetime.fromisoformat(request.query_params["end"]))
        except (KeyError, ValueError):
            return sf_error(
                400, "INVALID_REPLICATION_DATE", "start and end must be ISO 8601 date-times"
            )
        if start.tzinfo is None or end.tzinfo is None or end <= start:
            return sf_error(400, "INVALID_REPLICATION_DATE", "end must be after start")
        earliest = _minute(self.clock.now() - DELETE_LOG_REACH)
        if start < earliest:
            return sf_error(
                400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 15 days ago"
            )
        covered = min(end, _minute(self.clock.now()))
        deleted = deleted_between(self.world, sobject, start, covered)
        return JSONResponse(
            {
                "deletedRecords": [
                    {"id": record_id, "deletedDate": format_datetime(at)}
                    for record_id, at in deleted
                ],
                "earliestDateAvailable": format_datetime(earliest),
                "latestDateCovered": format_datetime(covered),
            }
        )

    def _page(self, request: Request, cursor_id: str, offset: int) -> Response:
        cursor = self.cursors[cursor_id]
        version = request.path_params["version"]
        # A follow-up request may set its own batch size; otherwise the query's holds.
        end = offset + (
            _batch_size(request.headers.get("sforce-query-options")) or cursor.batch_size
        )
        rows = cursor.rows[offset:end]
        body: dict[str, object] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
        if end < len(cursor.rows):
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{cursor_id}-{end}"
        query = cursor.query
        body["records"] = self.renderer.render(query.object_name, query.fields, rows, version)
        return JSONResponse(body)


def _minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


def _batch_size(option: str | None) -> int | None:
    # Salesforce treats the batch size as a hint and keeps it within [200, 2000].
    m = _BATCH_OPTION.search(option or "")
    if m is None:
        return None
    return min(DEFAULT_BATCH, max(MIN_BATCH, int(m.group(1))))


def _server_error(rng: random.Random) -> Response:
    if rng.random() < 0.5:
        return sf_error(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable")
    error_id = f"{rng.randrange(10**9)}-{rng.randrange(10**5)} ({rng.randrange(-(10**9), 0)})"
    return sf_error(
        500,
        "UNKNOWN_EXCEPTION",
        f"An unexpected error occurred. Please include this ErrorId if you contact support: "
        f"{error_id}",
    )


def create_salesforce_app(
    world: World,
    clock: SimulatedClock,
    seed: int,
    faults: TransportFaults,
    credentials: SalesforceCredentials,
) -> Starlette:
    """A Starlette app serving ``world`` as a Salesforce org; counts in ``app.state.stats``."""
    sim = _SalesforceSimulator(world, clock, seed, faults, credentials)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        code = "METHOD_NOT_ALLOWED" if status == 405 else "NOT_FOUND"
        message = (
            f"HTTP Method '{request.method}' not allowed."
            if status == 405
            else "The requested resource does not exist"
        )
        return sim.limit_header(sf_error(status, code, message))

    app = Starlette(
        routes=[
            Route("/services/oauth2/token", sim.token, methods=["POST"]),
            Route("/services/data/{version}/query", sim.query, methods=["GET"]),
            Route("/services/data/{version}/queryAll", sim.query_all, methods=["GET"]),
            Route("/services/data/{version}/query/{locator}", sim.query_more, methods=["GET"]),
            Route(
                "/services/data/{version}/sobjects/{sobject}/deleted/",
                sim.get_deleted,
                methods=["GET"],
            ),
        ],
        exception_handlers={404: not_found, 405: not_found},
    )
    app.state.stats = sim.stats
    return app
