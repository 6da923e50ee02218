"""A Stripe API simulator (customers, subscriptions, invoices, events) over the world.

State is rendered at the simulated clock's ``now`` on every request, so records created later
in simulated time stay invisible until the clock reaches them. Behaviour follows the public API
(pinned version 2025-04-30.basil): bearer or basic secret-key auth, Stripe's error object, a
``Request-Id`` on every response, newest-first cursor pagination, and events kept 30 days.
"""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.profile import TransportFaults
from sandbox.stripe.auth import authenticate
from sandbox.stripe.query import (
    CreatedRange,
    Listing,
    StripeRequestError,
    check_known,
    list_param,
    parse_limit,
)
from sandbox.stripe.render import STRIPE_API_VERSION, StripeRenderer
from sandbox.wire.encoding import JsonObject, unix
from sandbox.wire.stats import SimulatorStats
from sandbox.wire.transport import TransportFaultInjector

EVENT_RETENTION = timedelta(days=30)
_PAGING = frozenset({"limit", "starting_after", "ending_before", "created", "expand"})
_SUBSCRIPTION_STATUSES = frozenset(
    {"active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due"}
    | {"paused", "trialing", "unpaid"}
)
_INVOICE_STATUSES = frozenset({"draft", "open", "paid", "uncollectible", "void"})
_MAX_TYPES = 20
_REQUEST_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

Renderer = Callable[[Any, datetime], JsonObject]
Keep = Callable[[Any], bool]


def _error_body(exc: StripeRequestError) -> JsonObject:
    error: JsonObject = {"type": exc.type, "message": exc.message}
    if exc.code is not None:
        error["code"] = exc.code
        error["doc_url"] = f"https://stripe.com/docs/error-codes/{exc.code.replace('_', '-')}"
    if exc.param is not None:
        error["param"] = exc.param
    return {"error": error}


def _error_response(exc: StripeRequestError, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(_error_body(exc), status_code=exc.status, headers=headers)


def _rate_limited() -> Response:
    # Stripe sends no Retry-After; its clients back off on Stripe-Should-Retry instead.
    exc = StripeRequestError(
        429,
        "Request rate limit exceeded. Learn more about rate limits here "
        "https://stripe.com/docs/rate-limits.",
        code="rate_limit",
    )
    return _error_response(exc, {"Stripe-Should-Retry": "true"})


def _server_error() -> Response:
    exc = StripeRequestError(500, "An unknown error occurred", type_="api_error")
    return _error_response(exc, {"Stripe-Should-Retry": "true"})


def _type_matcher(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$")


class _StripeApi:
    """Request handlers over one world; the app factory wires them to routes."""

    def __init__(self, world: World, clock: SimulatedClock, seed: int, faults: TransportFaults):
        self.clock = clock
        self.render = StripeRenderer(world, seed, faults)

        def key(r: Any) -> tuple[int, str]:
            return unix(r.created), r.id

        self.customers = Listing(world.billing_customers, key)
        self.subscriptions = Listing(world.subscriptions, key)
        self.invoices = Listing(world.invoices, key)
        self.events = Listing(world.stripe_events, key)

    def _list(
        self,
        request: Request,
        listing: Listing[Any],
        noun: str,
        visible: CreatedRange,
        render: Renderer,
        keep: Keep,
    ) -> Response:
        params = request.query_params
        limit = parse_limit(params)
        after_id, before_id = params.get("starting_after"), params.get("ending_before")
        if after_id and before_id:
            raise StripeRequestError(
                400,
                "You may only specify one of these parameters: ending_before, starting_after.",
                param="ending_before",
            )
        cursors: dict[str, tuple[int, str] | None] = {}
        for name, record_id in (("starting_after", after_id), ("ending_before", before_id)):
            if record_id:
                cursors[name] = listing.key_of(record_id, visible)
                if cursors[name] is None:
                    raise StripeRequestError(
                        400, f"No such {noun}: '{record_id}'", code="resource_missing", param=name
                    )
        created = CreatedRange.parse(params).narrowed(visible.low, visible.high)
        page = listing.page(
            created,
            limit,
            keep,
            starting_after=cursors.get("starting_after"),
            ending_before=cursors.get("ending_before"),
        )
        now = self.clock.now()
        body = {
            "object": "list",
            "data": [render(r, now) for r in page.items],
            "has_more": page.has_more,
            "url": request.url.path,
        }
        return JSONResponse(body)

    def _visible(self, now: datetime) -> CreatedRange:
        return CreatedRange(high=unix(now))

    async def customers_list(self, request: Request) -> Response:
        """GET /v1/customers (deleted customers are no longer listed)."""
        params = request.query_params
        check_known(params, _PAGING | {"email"})
        email = params.get("email")
        now = self.clock.now()
        return self._list(
            request,
            self.customers,
            "customer",
            self._visible(now),
            self.render.customer,
            lambda c: (email is None or c.email == email) and not c.deleted(now),
        )

    async def subscriptions_list(self, request: Request) -> Response:
        """GET /v1/subscriptions; canceled subscriptions only with ``status=canceled|all``."""
        params = request.query_params
        check_known(params, _PAGING | {"customer", "status"})
        customer, status = params.get("customer"), params.get("status")
        if status is not None and status not in _SUBSCRIPTION_STATUSES:
            raise StripeRequestError(400, f"Invalid status: {status}", param="status")
        now = self.clock.now()

        def keep(s: Any) -> bool:
            current = "canceled" if s.canceled_at is not None and s.canceled_at <= now else "active"
            if customer is not None and s.customer_id != customer:
                return False
            if status in (None, "all"):
                return status == "all" or current != "canceled"
            if status == "ended":
                return current == "canceled"
            return current == status

        return self._list(
            request,
            self.subscriptions,
            "subscription",
            self._visible(now),
            self.render.subscription,
            keep,
        )

    async def invoices_list(self, request: Request) -> Response:
        """GET /v1/invoices."""
        params = request.query_params
        check_known(params, _PAGING | {"customer", "status", "subscription"})
        customer, status = params.get("customer"), params.get("status")
        subscription = params.get("subscription")
        if status is not None and status not in _INVOICE_STATUSES:
            raise StripeRequestError(400, f"Invalid status: {status}", param="status")
        now = self.clock.now()

        def keep(i: Any) -> bool:
            return (
                (customer is None or i.customer_id == customer)
                and (subscription is None or i.subscription_id == subscription)
                and (status is None or i.status(now) == status)
            )

        return self._list(
            request, self.invoices, "invoice", self._visible(now), self.render.invoice, keep
        )

    async def events_list(self, request: Request) -> Response:
        """GET /v1/events: the last 30 days only, filtered by ``type`` or ``types``."""
        params = request.query_params
        check_known(params, _PAGING | {"type", "types"})
        types = list_param(params, "types")
        single = params.get("type")
        if single is not None and types:
            raise StripeRequestError(
                400, "You may only specify one of these parameters: type, types.", param="types"
            )
        if len(types) > _MAX_TYPES:
            raise StripeRequestError(
                400, f"You may pass at most {_MAX_TYPES} event types.", param="types"
            )
        matchers = [_type_matcher(t) for t in ([single] if single is not None else types)]
        now = self.clock.now()
        visible = CreatedRange(low=unix(now - EVENT_RETENTION), high=unix(now))
        return self._list(
            request,
            self.events,
            "event",
            visible,
            lambda e, _at: self.render.event(e),
            lambda e: not matchers or any(m.match(e.type) for m in matchers),
        )

    def retriever(self, noun: str) -> Callable[[Request], Awaitable[Response]]:
        """GET /v1/{noun}s/{id}: one object as of now."""

        async def retrieve(request: Request) -> Response:
            record_id = request.path_params["id"]
            now = self.clock.now()
            body: JsonObject | None = None
            if noun == "event":
                event = self.render.events.get(record_id)
                if event is not None and now - EVENT_RETENTION <= event.created <= now:
                    body = self.render.event(event)
            else:
                records: Mapping[str, Any] = self.render.invoices
                if noun == "customer":
                    records = self.render.customers
                elif noun == "subscription":
                    records = self.render.subscriptions
                record = records.get(record_id)
                if noun == "customer" and record is not None and record.deleted(now):
                    body = self.render.deleted_customer(record_id)
                elif record is not None and record.created <= now:
                    body = self.render.object_at(noun, record_id, now)
            if body is None:
                raise StripeRequestError(
                    404, f"No such {noun}: '{record_id}'", code="resource_missing", param="id"
                )
            return JSONResponse(body)

        return retrieve


def create_stripe_app(
    world: World, clock: SimulatedClock, seed: int, faults: TransportFaults, api_key: str
) -> Starlette:
    """The Stripe simulator as an ASGI app; request counts are on ``app.state.stats``."""
    api = _StripeApi(world, clock, seed, faults)
    stats = SimulatorStats()
    injector = TransportFaultInjector(seed, "stripe", faults, _rate_limited, _server_error)
    stats.faults = injector.counters
    request_ids = random.Random(f"{seed}:stripe:request-ids")

    def finish(response: Response) -> Response:
        suffix = "".join(request_ids.choices(_REQUEST_ID_ALPHABET, k=14))
        response.headers["Request-Id"] = f"req_{suffix}"
        response.headers["Stripe-Version"] = STRIPE_API_VERSION
        return response

    def guarded(name: str, handler: Callable[[Request], Awaitable[Response]]) -> Route:
        async def endpoint(request: Request) -> Response:
            stats.count(name)
            try:
                authenticate(request, api_key)
                response = await injector.intercept() or await handler(request)
            except StripeRequestError as exc:
                response = _error_response(exc)
            return finish(response)

        return Route(name, endpoint, methods=["GET"])

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        message = (
            f"Unrecognized request URL ({request.method}: {request.url.path}). Please see "
            "https://stripe.com/docs or we can help at https://support.stripe.com/."
        )
        return finish(_error_response(StripeRequestError(status, message)))

    routes = [
        guarded("/v1/customers", api.customers_list),
        guarded("/v1/subscriptions", api.subscriptions_list),
        guarded("/v1/invoices", api.invoices_list),
        guarded("/v1/events", api.events_list),
        *(
            guarded(f"/v1/{noun}s/{{id:str}}", api.retriever(noun))
            for noun in ("customer", "subscription", "invoice", "event")
        ),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    app.state.stats = stats
    return app
