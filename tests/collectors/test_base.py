"""Paginators, the one paging loop and page quarantine, without a server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from collectors.base import Page, PagedStream, Paginator, Position
from collectors.errors import LoopDetectedError
from collectors.netsuite.windows import WindowPage, WindowPaginator, WindowResponse
from collectors.stripe.streams import ListPage, StripePaginator
from collectors.zendesk.streams import ExportPage, ExportPaginator
from core.errors import RecordError

Reply = tuple[list[str], str | None]
"""A scripted API page: its items and the token of the next page (None: the last)."""


class TokenPaginator(Paginator[str | None, Reply]):
    """Follows the next-page token a reply names."""

    def has_more(self, response: Reply) -> bool:
        return response[1] is not None

    def next_value(self, response: Reply) -> str | None:
        return response[1]


class ScriptedStream(PagedStream[str | None, Reply]):
    """A stream over scripted replies keyed by token; the position is the last item read."""

    name = "things"
    object_type = "thing"
    primary_key = "id"

    def __init__(self, replies: dict[str | None, Reply]) -> None:
        super().__init__("test")
        self.replies = replies
        self.requested: list[str | None] = []

    def paginator(self, position: Position | None) -> TokenPaginator:
        return TokenPaginator(self.name, None)

    def request(self, value: str | None) -> Reply:
        self.requested.append(value)
        return self.replies[value]

    def parse_response(self, response: Reply, position: Position | None) -> Page | None:
        items, _ = response
        if not items:
            return None
        return self.new_page({"last": items[-1], "after": (position or {}).get("last")})


def read(stream: ScriptedStream) -> Iterator[Page]:
    return stream.pages(None)


def test_paginator_follows_tokens_until_the_last_page() -> None:
    paginator = TokenPaginator("things", None)
    assert (paginator.current_value, paginator.finished, paginator.count) == (None, False, 0)
    paginator.advance((["a"], "t1"))
    assert (paginator.current_value, paginator.finished) == ("t1", False)
    paginator.advance((["b"], None))
    assert paginator.finished and paginator.count == 2
    assert paginator.current_value == "t1"


def test_paginator_refuses_a_token_it_has_already_seen() -> None:
    paginator = TokenPaginator("things", "t0")
    paginator.advance((["a"], "t1"))
    paginator.advance((["b"], "t2"))
    with pytest.raises(LoopDetectedError, match=r"things: .*'t1' twice \(loop detected\)"):
        paginator.advance((["c"], "t1"))
    with pytest.raises(LoopDetectedError, match="'t0' twice"):
        paginator.advance((["c"], "t0"))


def test_the_paging_loop_reads_every_page_and_threads_the_position() -> None:
    stream = ScriptedStream({None: (["a", "b"], "t1"), "t1": ([], "t2"), "t2": (["c"], None)})
    pages = list(read(stream))
    assert stream.requested == [None, "t1", "t2"]
    # The empty reply adds no page; the position runs on from the previous page's.
    assert [p.position for p in pages] == [
        {"last": "b", "after": None},
        {"last": "c", "after": "b"},
    ]


def test_a_loop_stops_the_stream_after_the_page_that_named_it_is_yielded() -> None:
    stream = ScriptedStream({None: (["a"], "t1"), "t1": (["b"], "t2"), "t2": (["c"], "t1")})
    pages = read(stream)
    taken = [next(pages), next(pages), next(pages)]
    assert [p.position["last"] for p in taken if p.position] == ["a", "b", "c"]
    with pytest.raises(LoopDetectedError):
        next(pages)
    assert stream.requested == [None, "t1", "t2"]


def test_page_quarantine_keeps_the_reason_and_counts_missing_fields() -> None:
    page = Page("crm", "account")
    page.quarantine(
        '{"Id": "001"}', "field 'Name' is missing", missing_field="Name", external_id="001"
    )
    page.quarantine("not json", "not JSON", location="app.log:3")
    page.quarantine("{}", "field 'Name' is missing", missing_field="Name", external_id="")
    assert page.missing_fields == {"Name": 2}
    first, second, third = page.quarantined
    assert (first.source, first.object_type, first.external_id) == ("crm", "account", "001")
    assert (second.payload, second.location, second.external_id) == ("not json", "app.log:3", None)
    assert third.external_id is None


def test_page_of_quarantines_unreadable_records_under_their_id() -> None:
    stream = ScriptedStream({})

    def parse(raw: Any) -> Any:
        if raw["id"] == "2":
            raise RecordError("field 'name' is missing", missing_field="name")
        raise ValueError("bad amount")

    page = stream.page_of([{"id": "1"}, {"id": "2", "x": 1}], parse, {"at": 1})
    assert page.size == 2 and page.missing_fields == {"name": 1}
    assert [(q.external_id, q.reason) for q in page.quarantined] == [
        ("1", "ValueError: bad amount"),
        ("2", "field 'name' is missing"),
    ]
    assert page.quarantined[1].payload == '{"id": "2", "x": 1}'


def test_zendesk_export_stops_at_end_of_stream_and_refuses_a_repeated_start() -> None:
    paginator = ExportPaginator("organizations", 100)
    paginator.advance(ExportPage([], end_of_stream=False, following=200))
    assert paginator.current_value == 200
    with pytest.raises(LoopDetectedError):
        paginator.advance(ExportPage([], end_of_stream=False, following=100))
    ended = ExportPaginator("tickets", "c1")
    # At the end the export hands back the cursor it was given: the end, not a loop.
    ended.advance(ExportPage([], end_of_stream=True, following="c1"))
    assert ended.finished


def test_stripe_paging_goes_from_backfill_to_sweep_and_refuses_a_repeated_id() -> None:
    start: Position = {"phase": "backfill", "starting_after": None, "started": 1_700_000_000}
    paginator = StripePaginator("invoices", start)
    paginator.advance(ListPage(start, "/v1/invoices", None, [{"id": "in_2"}], has_more=True))
    page_two = paginator.current_value
    assert page_two == {"phase": "backfill", "starting_after": "in_2", "started": 1_700_000_000}
    paginator.advance(ListPage(page_two, "/v1/invoices", None, [{"id": "in_1"}], has_more=False))
    sweep = paginator.current_value
    assert sweep == {"phase": "events", "cursor": "2023-11-14T22:13:20+00:00"}
    assert not paginator.finished
    events = [{"id": "evt_2", "created": 1_700_000_100}]
    paginator.advance(ListPage(sweep, "/v1/events", 1_699_999_700, events, has_more=True))
    assert paginator.current_value["sweep"] == {
        "since": 1_699_999_700,
        "starting_after": "evt_2",
        "newest": 1_700_000_100,
    }
    with pytest.raises(LoopDetectedError):
        paginator.advance(
            ListPage(paginator.current_value, "/v1/events", 1_699_999_700, events, has_more=True)
        )


def row(row_id: str, modified: str = "2026-11-20 04:00:00") -> dict[str, Any]:
    return {"id": row_id, "lastmodified_local": modified}


def test_netsuite_windows_re_read_the_last_row_and_open_a_new_window_when_full() -> None:
    paginator = WindowPaginator("customers", None, page_size=5, window_rows=12)
    assert paginator.current_value == WindowPage(None, 0, 5)
    paginator.advance(WindowResponse([row(str(i)) for i in range(1, 6)], True, shifted=False))
    second = paginator.current_value
    assert (second.condition, second.offset, second.limit, second.overlap_id) == (None, 4, 5, "5")
    paginator.advance(WindowResponse([row(str(i)) for i in range(6, 10)], True, shifted=False))
    third = paginator.current_value
    assert (third.offset, third.limit, third.overlap_id) == (8, 4, "9")
    paginator.advance(WindowResponse([row(str(i)) for i in range(10, 13)], True, shifted=False))
    # Twelve rows read: the window is full, the next starts after the last row.
    after = "lastmodifieddate > TO_DATE('2026-11-20 04:00:00', 'YYYY-MM-DD HH24:MI:SS')"
    assert paginator.current_value.condition is not None
    assert paginator.current_value.condition.startswith(after)
    assert paginator.current_value.condition.endswith("AND id > 12)")
    assert (paginator.current_value.offset, paginator.current_value.overlap_id) == (0, None)


def test_netsuite_shifted_window_restarts_after_the_last_row_read() -> None:
    paginator = WindowPaginator("customers", "lastmodifieddate >= X", page_size=5, window_rows=90)
    paginator.advance(WindowResponse([row("1"), row("2")], True, shifted=False))
    paginator.advance(WindowResponse([], True, shifted=True))
    assert paginator.current_value.offset == 0
    assert (paginator.current_value.condition or "").endswith("AND id > 2)")
    paginator.advance(WindowResponse([row("3")], False, shifted=False))
    assert paginator.finished
