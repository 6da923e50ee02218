"""Stripe streams: a resumable list backfill, then incremental sweeps of ``/v1/events``.

An object stream first pages its list endpoint (newest first, ``starting_after``), storing the
last committed id so an interrupted backfill continues where it stopped. Every listed record is
stamped ``updated_at`` = the backfill's start, so a change the events report later wins and an
older event never overwrites a newer listed state. When the list ends the stream sweeps
``/v1/events`` for its event types from ``cursor - lookback``: state changes (an invoice paid)
do not move ``created``, so only events reveal them. Events also come newest first, so an
unfinished sweep keeps its own resumable position and the cursor moves to the newest event seen
only when a sweep completes. Stripe keeps events 30 days; a cursor older than that can no
longer be swept, so the stream backfills again.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Generator, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from collectors.base import Page, Paginator, Raw, Stream, require
from collectors.errors import FatalSourceError
from collectors.http import SourceClient
from collectors.state import cursor_of
from collectors.stripe import records
from collectors.stripe.client import list_page
from core.clock import Clock
from core.config.sources import StripeSource
from core.errors import RecordError
from core.store.records import CanonicalRecord
from core.store.runs import QuarantinedRecord

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


class StripeStream(Stream):
    """A stream fed by ``/v1/events``: sweeps that resume mid-way and advance a cursor."""

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

    def sweep(self, position: Mapping[str, Any]) -> Iterator[Page]:
        """Page through this stream's events from the position's sweep or cursor."""
        cursor = cursor_of(dict(position))
        since = self._sweep_start(position)
        sweep = position.get("sweep")
        after: str | None = sweep.get("starting_after") if isinstance(sweep, Mapping) else None
        newest: int | None = sweep.get("newest") if isinstance(sweep, Mapping) else None
        paginator = Paginator(self.name)
        paginator.advance(after)
        while True:
            params: dict[str, Any] = {"limit": PAGE_LIMIT, "types[]": list(self.event_types)}
            if since is not None:
                params["created[gte]"] = since
            if after is not None:
                params["starting_after"] = after
            events, has_more = list_page(self.client, EVENTS_PATH, params)
            newest = max(
                (t for t in [newest, *map(_event_time, events)] if t is not None), default=None
            )
            next_position: dict[str, Any] = {"phase": "events"}
            if has_more:
                after = _last_id(events, EVENTS_PATH)
                next_position["cursor"] = cursor.isoformat() if cursor else None
                next_position["sweep"] = {"since": since, "starting_after": after, "newest": newest}
            else:
                seen = records.from_unix(newest, "created") if newest is not None else None
                latest = max((c for c in (cursor, seen) if c is not None), default=None)
                next_position["cursor"] = latest.isoformat() if latest else None
            yield self.events_page(events, next_position)
            if not has_more:
                return
            paginator.advance(after)

    @abstractmethod
    def events_page(self, events: list[Any], position: dict[str, Any]) -> Page:
        """Parse one page of events into a page of records."""


class StripeObjectStream(StripeStream):
    """An object type backfilled from its list endpoint, then kept current from its events."""

    list_path: ClassVar[str]
    list_params: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def record(self, raw: Raw, observed: datetime, *, deleted: bool) -> CanonicalRecord:
        """The canonical record of one object as of ``observed``."""

    def pages(self, position: dict[str, Any] | None) -> Iterator[Page]:
        """Backfill (or resume one), then sweep the events."""
        if position is None or position.get("phase") != "events" or not self._retained(position):
            resumable = (
                position is not None
                and position.get("phase") == "backfill"
                # Resuming makes sense only while the events since its start are retained.
                and int(position["started"]) >= self._oldest_sweepable()
            )
            position = yield from self._backfill(position if resumable else None)
        yield from self.sweep(position)

    def _backfill(self, position: dict[str, Any] | None) -> Generator[Page, None, dict[str, Any]]:
        started = int(position["started"]) if position else _unix(self.clock.now())
        observed = records.from_unix(started, "started")
        after: str | None = position.get("starting_after") if position else None
        paginator = Paginator(self.name)
        paginator.advance(after)
        while True:
            params: dict[str, Any] = {"limit": PAGE_LIMIT, **self.list_params}
            if after is not None:
                params["starting_after"] = after
            items, has_more = list_page(self.client, self.list_path, params)
            next_position: dict[str, Any]
            if has_more:
                after = _last_id(items, self.list_path)
                next_position = {"phase": "backfill", "starting_after": after, "started": started}
            else:
                # Sweeping from the backfill's start catches whatever changed while it ran.
                next_position = {"phase": "events", "cursor": observed.isoformat()}
            yield self.page_of(
                items, lambda r: self.record(r, observed, deleted=False), next_position
            )
            if not has_more:
                return next_position
            paginator.advance(after)

    def events_page(self, events: list[Any], position: dict[str, Any]) -> Page:
        """Each object's newest state on the page (events come newest first).

        An older event about the same object would only be refused by the store, which never
        lets an older ``updated_at`` win. An event without a readable envelope is quarantined
        itself; a record that cannot be read is quarantined under the object's own id.
        """
        observed: dict[str, tuple[datetime, bool]] = {}
        objects: list[Raw] = []
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
            if key not in observed:
                observed[key] = (created, str(event.get("type", "")).endswith(".deleted"))
                objects.append(obj)

        def parse(raw: Raw) -> CanonicalRecord:
            created, deleted = observed[str(raw["id"])]
            return self.record(raw, created, deleted=deleted)

        page = self.page_of(objects, parse, position)
        for event, error in broken:
            page.size += 1
            if error.missing_field:
                page.missing_fields[error.missing_field] = (
                    page.missing_fields.get(error.missing_field, 0) + 1
                )
            page.quarantined.append(
                QuarantinedRecord(
                    source=self.source,
                    object_type=self.object_type,
                    reason=f"unreadable event: {error}",
                    payload=json.dumps(event, default=str, sort_keys=True),
                    external_id=str(event.get("id")) if isinstance(event, Mapping) else None,
                )
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
        """An invoice record."""
        return records.invoice(raw, observed)


class SubscriptionChangeStream(StripeStream):
    """Amendments applied in billing: subscription updates that carry an amendment id.

    Only events record them, and Stripe keeps events 30 days, so this stream stores each one;
    with no usable cursor it reads every event Stripe still holds.
    """

    name = "subscription_changes"
    object_type = "subscription_change"
    event_types = ("customer.subscription.updated",)

    def pages(self, position: dict[str, Any] | None) -> Iterator[Page]:
        """Sweep the retained events from the cursor (all of them the first time)."""
        if position is None or not self._retained(position):
            position = {"phase": "events", "cursor": None}
        yield from self.sweep(position)

    def events_page(self, events: list[Any], position: dict[str, Any]) -> Page:
        """One record per amendment-carrying event."""
        key = self.settings.amendment_link_key
        return self.page_of(
            events, lambda e: records.subscription_change(e, amendment_link_key=key), position
        )
