"""Zendesk's incremental exports: organizations by time, tickets by cursor.

Both exports withhold records changed within the last minute, so resuming from the stored
position alone misses nothing. The configured look-back is honoured all the same, as for every
source: organizations re-read from ``start_time - lookback``; tickets, whose cursor is opaque,
restart from ``start_time`` at the newest ``updated_at`` stored less the look-back (a zero
look-back resumes from the stored cursor). Re-read records are no-ops in the idempotent store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from collectors.base import Page, PagedStream, Paginator, Position
from collectors.errors import FatalSourceError
from collectors.http import SourceClient
from collectors.state import advanced, cursor_of
from collectors.zendesk import records
from collectors.zendesk.client import ExportGate, export_page
from core.config.sources import ZendeskSource

ORGANIZATIONS_PATH = "/api/v2/incremental/organizations.json"
TICKETS_PATH = "/api/v2/incremental/tickets/cursor.json"
UPDATED = "updated_at"


@dataclass(frozen=True, slots=True)
class ExportPage:
    """One export page: its items, whether the export is drained, and where it continues."""

    items: list[Any]
    end_of_stream: bool
    following: int | str


class ExportPaginator(Paginator[int | str, ExportPage]):
    """Follows an export until ``end_of_stream``.

    At the end the ticket export hands back the cursor it was given: that is where the next
    poll resumes, not a loop, so the last page is never compared.
    """

    def has_more(self, response: ExportPage) -> bool:
        """More follows until the export says it is drained."""
        return not response.end_of_stream

    def next_value(self, response: ExportPage) -> int | str:
        """The export's next ``start_time`` or cursor."""
        return response.following


class ZendeskStream(PagedStream[int | str, ExportPage]):
    """A Zendesk export stream sharing the source's client and export pacing."""

    primary_key: ClassVar[str] = "id"
    cursor_field: ClassVar[str | None] = "updated_at"
    path: ClassVar[str]
    items_key: ClassVar[str]

    def __init__(
        self, source: str, client: SourceClient, gate: ExportGate, settings: ZendeskSource
    ) -> None:
        super().__init__(source)
        self.client = client
        self.gate = gate
        self.settings = settings

    def since(self, instant: datetime) -> int:
        """The ``start_time`` that re-reads the look-back before ``instant``."""
        start = int((instant - self.settings.lookback).timestamp())
        return max(self.settings.start_time, start)

    def export(self, params: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        """GET one export page: the body and its items (a page of another shape is fatal)."""
        body = export_page(self.client, self.gate, self.path, params)
        items = body.get(self.items_key)
        if not isinstance(items, list) or not isinstance(body.get("end_of_stream"), bool):
            raise FatalSourceError(
                f"Zendesk {self.path}: response is not an export page of {self.items_key}"
            )
        return body, items


class OrganizationStream(ZendeskStream):
    """Organizations from the time-based export; position ``{"start_time": end_time}``."""

    name = "organizations"
    object_type = "organization"
    path = ORGANIZATIONS_PATH
    items_key = "organizations"

    def paginator(self, position: Position | None) -> ExportPaginator:
        """From the stored start time less the look-back (the configured one at first)."""
        if not position:
            return ExportPaginator(self.name, self.settings.start_time)
        return ExportPaginator(
            self.name, self.since(datetime.fromtimestamp(int(position["start_time"]), UTC))
        )

    def request(self, value: int | str) -> ExportPage:
        """The export page from ``start_time``."""
        # next_page names the same request with start_time=end_time; asking for it by
        # parameter keeps the credentials on the configured host whatever URL comes back.
        body, items = self.export({"start_time": value})
        end_time = body.get("end_time")
        if isinstance(end_time, bool) or not isinstance(end_time, int):
            raise FatalSourceError(f"Zendesk {self.path}: page has no end_time")
        return ExportPage(items, body["end_of_stream"], end_time)

    def parse_response(self, response: ExportPage, position: Position | None) -> Page:
        """The organizations, positioned at the export's ``end_time``.

        A look-back re-read ends behind the stored start time; the position never moves back.
        """
        stored = int(position["start_time"]) if position else self.settings.start_time
        following = max(stored, int(response.following))
        return self.page_of(response.items, records.organization, {"start_time": following})


class TicketStream(ZendeskStream):
    """Tickets from the cursor export; position ``{"cursor": after_cursor, "updated_at": ...}``."""

    name = "tickets"
    object_type = "ticket"
    path = TICKETS_PATH
    items_key = "tickets"

    def paginator(self, position: Position | None) -> ExportPaginator:
        """From the newest stored ``updated_at`` less the look-back, else the stored cursor."""
        newest = cursor_of(position, UPDATED)
        cursor = position.get("cursor") if position else None
        if newest is not None and (self.settings.lookback or not cursor):
            return ExportPaginator(self.name, self.since(newest))
        return ExportPaginator(self.name, cursor or self.settings.start_time)

    def request(self, value: int | str) -> ExportPage:
        """The export page at a cursor (text) or from a ``start_time`` (a number)."""
        body, items = self.export(
            {"cursor": value} if isinstance(value, str) else {"start_time": value}
        )
        after = body.get("after_cursor")
        if not isinstance(after, str) or not after:
            raise FatalSourceError(f"Zendesk {self.path}: page has no after_cursor")
        return ExportPage(items, body["end_of_stream"], after)

    def parse_response(self, response: ExportPage, position: Position | None) -> Page:
        """The tickets, positioned at the export's cursor and the newest ``updated_at`` read."""
        page = self.page_of(response.items, records.ticket, None)
        seen = max((r.updated_at for r in page.records if r.updated_at), default=None)
        page.position = advanced(position, seen, UPDATED, cursor=response.following)
        return page
