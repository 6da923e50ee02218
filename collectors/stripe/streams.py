from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from collectors.base import Page, PagedStream, Paginator, Position, Raw, as_text, require
from collectors.errors import FatalSourceError
from collectors.http import SourceClient
from collectors.state import cursor_of
from collectors.stripe import records
from collectors.stripe.client import list_page
from core.clock import Clock
from core.config.sources import StripeSource
from core.errors import RecordError
from core.store.records import CanonicalRecord

EVENT_RETENTION = timedelta(days=30)
PAGE_LIMIT = 100
EVENTS_PATH = "/v1/events"


def _unix(instant: datetime) -> int:
    return int(instant.timestamp())


def _last_id(items: list[Any], path: str) -> str:
    last = items[-1] if items else None
    value = last.get("id") if isinstance(last, Mapping) else None
    if not isinstance(value, str) or not value:
        raise FatalSourceError(f"Stripe {path}: the last item of a page has no id to page after")
    return value


def _event_time(event: Any) -> int | None:
    created = event.get("created") if isinstance(event, Mapping) else None
    return created if isinstance(created, int) and not isinstance(created, bool) else None


def _sweep(position: Mapping[str, Any]) -> Mapping[str, Any]:
    sweep = position.get("sweep")
    return sweep if isinstance(sweep, Mapping) else {}


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of ``path``, read at ``position``; ``since`` is an events sweep's lower bound."""

    position: Position
    path: str
    since: int | None
    items: list[Any]
    has_more: bool

    def position_after(self) -> Position:
        """Where reading continues after this page: the stored position of the page."""
        if self.position["phase"] == "backfill":
            started = int(self.position["started"])
            if self.has_more:
                after = _last_id(self.items, self.path)
                return {"phase": "backfill", "starting_after": after, "started": started}
            # Sweeping from the backfill's start catches whatever changed while it ran.
            observed = records.from_unix(started, "started")
            return {"phase": "events", "cursor": observed.isoformat()}
        cursor = cursor_of(self.position)
        newest = max(
            (
                t
                for t in [_sweep(self.position).get("newest"), *map(_event_time, self.items)]
                if t is not None
            ),
            default=None,
        )
        if self.has_more:
            return {
                "phase": "events",
                "cursor": cursor.isoformat() if cursor else None,
                "sweep": {
                    "since": self.since,
                    "starting_after": _last_id(self.items, self.path),
                    "newest": newest,
                },
            }
        seen = records.from_unix(newest, "created") if newest is not None else None
        latest = max((c for c in (cursor, seen) if c is not None), default=None)
        return {"phase": "events", "cursor": latest.isoformat() if latest else None}


class StripePaginator(Paginator[Position, ListPage]):
    """Pages a list with ``starting_after``; a finished backfill goes on to the events sweep."""

    def has_more(self, response: ListPage) -> bool:
        """More follows a page that says so, and every backfill is followed by a sweep."""
        return response.has_more or response.position["phase"] == "backfill"

    def next_value(self, response: ListPage) -> Position:
        """The position after the page, which is also where the next request reads."""
        return response.position_after()

    def key(self, value: Position) -> str | None:
        """The id paged after, within its phase (a phase's first page has none)."""
        after = value.get("starting_after") or _sweep(value).get("starting_after")
        return None if after is None else f"{value['phase']}:{after}"


class StripeStream(PagedStream[Position, ListPage]):
    """A stream fed by ``/v1/events``: sweeps that resume mid-way and advance a cursor.

    Its request position is its stored position: a backfill (``starting_after``, ``started``)
    or an events sweep (``cursor``, and ``sweep`` while one is unfinished).
    """

    primary_key: ClassVar[str] = "id"
    cursor_field: ClassVar[str | None] = "created"
    event_types: ClassVar[tuple[str, ...]]

    def __init__(
        self, source: str, client: SourceClient, settings: StripeSource, clock: Clock
    ) -> None:
        super().__init__(source)
        self.client = client
        self.settings = settings
        self.clock = clock

    def _oldest_sweepable(self) -> int:
        return _unix(self.clock.now() - EVENT_RETENTION)

    def _sweep_start(self, position: Mapping[str, Any]) -> int | None:
        """Where the next (or unfinished) sweep reads from; None: every retained event."""
        sweep = position.get("sweep")
        if isinstance(sweep, Mapping):
            since = sweep.get("since")
            return None if since is None else int(since)
        cursor = cursor_of(dict(position))
        return None if cursor is None else _unix(cursor - self.settings.lookback)

    def _retained(self, position: Mapping[str, Any]) -> bool:
        """Whether Stripe still holds every event the next sweep must read."""
        since = self._sweep_start(position)
        return since is None or since >= self._oldest_sweepable()

    def request(self, value: Position) -> ListPage:
        """One page of this stream's events from the sweep's start (or where it stopped)."""
        since = self._sweep_start(value)
        params: dict[str, Any] = {"limit": PAGE_LIMIT, "types[]": list(self.event_types)}
        if since is not None:
            params["created[gte]"] = since
        after = _sweep(value).get("starting_after")
        if after is not None:
            params["starting_after"] = after
        events, has_more = list_page(self.client, EVENTS_PATH, params)
        return ListPage(value, EVENTS_PATH, since, events, has_more)

    def parse_response(self, response: ListPage, position: Position | None) -> Page:
        """The page's records, positioned where reading continues."""
        return self.events_page(response.items, response.position_after())

    @abstractmethod
    def events_page(self, events: list[Any], position: Position) -> Page:
        """Parse one page of events into a page of records."""


class StripeObjectStream(StripeStream):
    """An object type backfilled from its list endpoint, then kept current from its events."""

    list_path: ClassVar[str]
    list_params: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def record(self, raw: Raw, observed: datetime, *, deleted: bool) -> CanonicalRecord:
        """The canonical record of one object as of ``observed``."""

    def paginator(self, position: Position | None) -> StripePaginator:
        """Sweep from a retained stored cursor; otherwise resume the backfill or start one."""
        phase = position.get("phase") if position is not None else None
        if position is not None and phase == "events" and self._retained(position):
            return StripePaginator(self.name, position)
        # Resuming makes sense only while the events since the backfill's start are retained.
        if (
            position is not None
            and phase == "backfill"
            and int(position["started"]) >= self._oldest_sweepable()
        ):
            return StripePaginator(self.name, position)
        fresh = {"phase": "backfill", "starting_after": None, "started": _unix(self.clock.now())}
        return StripePaginator(self.name, fresh)

    def request(self, value: Position) -> ListPage:
        """A page of the list while backfilling, of the events after."""
        if value["phase"] != "backfill":
            return super().request(value)
        params: dict[str, Any] = {"limit": PAGE_LIMIT, **self.list_params}
        after = value.get("starting_after")
        if after is not None:
            params["starting_after"] = after
        items, has_more = list_page(self.client, self.list_path, params)
        return ListPage(value, self.list_path, None, items, has_more)

    def parse_response(self, response: ListPage, position: Position | None) -> Page:
        """Listed objects as of the backfill's start, or the objects the events changed."""
        if response.position["phase"] != "backfill":
            return super().parse_response(response, position)
        observed = records.from_unix(int(response.position["started"]), "started")
        return self.page_of(
            response.items,
            lambda r: self.record(r, observed, deleted=False),
            response.position_after(),
        )

    def events_page(self, events: list[Any], position: Position) -> Page:
        """Each object's newest state on the page, by the version rule.

        Events come newest first, but Stripe promises no order within one second: of an
        object's events the one with the latest ``created`` wins, and within one second the
        one whose object has come furthest in its lifecycle (``records.lifecycle_rank``); the
        store applies the same rule to what earlier pages and polls stored. An event without a
        readable envelope is quarantined itself; a record that cannot be read is quarantined
        under the object's own id.
        """
        observed: dict[str, tuple[datetime, bool]] = {}
        chosen: dict[str, tuple[tuple[datetime, int], Raw]] = {}
        broken: list[tuple[Raw, RecordError]] = []
        for event in events:
            try:
                created = records.from_unix(require(event, "created"), "created")
                obj = records.nested(event, "data.object")
                if not isinstance(obj, Mapping):
                    raise RecordError("field 'data.object' is not an object")
                key = str(require(obj, "id"))
            except RecordError as problem:
                broken.append((event, problem))
                continue
            deleted = str(event.get("type", "")).endswith(".deleted")
            version = (created, records.lifecycle_rank(obj, deleted=deleted))
            if key not in chosen or version > chosen[key][0]:
                chosen[key] = (version, obj)
                observed[key] = (created, deleted)
        objects = [obj for _, obj in chosen.values()]

        def parse(raw: Raw) -> CanonicalRecord:
            created, deleted = observed[str(raw["id"])]
            return self.record(raw, created, deleted=deleted)

        page = self.page_of(objects, parse, position)
        for event, error in broken:
            page.size += 1
            page.quarantine(
                as_text(event),
                f"unreadable event: {error}",
                missing_field=error.missing_field,
                external_id=event.get("id") if isinstance(event, Mapping) else None,
            )
        return page


class CustomerStream(StripeObjectStream):
    """Stripe customers; ``account_ref`` is the CRM account named in their metadata."""

    name = "customers"
    object_type = "customer"
    list_path = "/v1/customers"
    event_types = ("customer.created", "customer.updated", "customer.deleted")

    def record(self, raw: Raw, observed: datetime, *, deleted: bool) -> CanonicalRecord:
        """A customer record."""
        return records.customer(
            raw, observed, account_link_key=self.settings.account_link_key, deleted=deleted
        )


class SubscriptionStream(StripeObjectStream):
    """Stripe subscriptions, canceled ones included."""

    name = "subscriptions"
    object_type = "subscription"
    list_path = "/v1/subscriptions"
    list_params: ClassVar[Mapping[str, str]] = {"status": "all"}
    event_types = (
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
    )

    def record(self, raw: Raw, observed: datetime, *, deleted: bool) -> CanonicalRecord:
        """A subscription record (a deleted subscription is a canceled one, still shown)."""
        return records.subscription(
            raw, observed, amendment_link_key=self.settings.amendment_link_key
        )


class InvoiceStream(StripeObjectStream):
    """Stripe invoices with their finalization, payment and voiding instants."""

    name = "invoices"
    object_type = "invoice"
    list_path = "/v1/invoices"
    event_types = (
        "invoice.created",
        "invoice.updated",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice.marked_uncollectible",
        "invoice.voided",
        "invoice.deleted",
    )

    def record(self, raw: Raw, observed: datetime, *, deleted: bool) -> CanonicalRecord:
        """An invoice record (Stripe deletes only drafts)."""
        return records.invoice(raw, observed, deleted=deleted)


class SubscriptionChangeStream(StripeStream):
    """Amendments applied in billing: subscription updates that carry an amendment id.

    Only events record them, and Stripe keeps events 30 days, so this stream stores each one;
    with no usable cursor it reads every event Stripe still holds.
    """

    name = "subscription_changes"
    object_type = "subscription_change"
    event_types = ("customer.subscription.updated",)

    def paginator(self, position: Position | None) -> StripePaginator:
        """Sweep the retained events from the cursor (all of them the first time)."""
        if position is None or not self._retained(position):
            position = {"phase": "events", "cursor": None}
        return StripePaginator(self.name, position)

    def events_page(self, events: list[Any], position: Position) -> Page:
        """One record per amendment-carrying event."""
        key = self.settings.amendment_link_key
        return self.page_of(
            events, lambda e: records.subscription_change(e, amendment_link_key=key), position
        )
