"""The Zendesk simulator: incremental exports, cursors, the export rate limit and faults."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.model import SupportOrganization, SupportTicket
from sandbox.profile import TransportFaults
from sandbox.selection import malformed
from sandbox.wire.encoding import unix
from sandbox.zendesk.app import create_zendesk_app, decode_cursor, encode_cursor
from testkit.servers import running_app
from tests.sandbox.sim_helpers import SteppedClock

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
EMAIL, TOKEN = "agent@example.com", "zd-test-token"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()}
SEED = 11
TICKETS = 40


def build_world() -> World:
    """40 tickets (some updated later, one just now, one in the future) and 12 organizations."""
    orgs = [
        SupportOrganization(
            id=900 + n,
            name=f"Org {n}",
            external_id=f"001T{n:014d}",
            # Organizations 3 and 4 share a second, to check a page never splits a second.
            created=NOW - timedelta(days=17 if n == 4 else 20 - n),
        )
        for n in range(12)
    ]
    tickets = []
    for n in range(1, TICKETS + 1):
        created = NOW - timedelta(hours=TICKETS + 1 - n)
        history: tuple[tuple[datetime, str], ...] = ((created, "open"),)
        if n % 10 == 0:
            # Solved two hours ago: the ticket moves to the end of the stream.
            history += ((NOW - timedelta(minutes=30), "solved"),)
        tickets.append(
            SupportTicket(
                id=n,
                organization_id=900 + n % 12,
                subject=f"Ticket {n}",
                priority="normal",
                tags=("billing",) if n % 2 else (),
                created=created,
                history=history,
            )
        )
    # Updated 20 s before now: withheld until it is a minute old.
    recent = NOW - timedelta(seconds=20)
    tickets.append(SupportTicket(101, 901, "Fresh", "high", (), recent, ((recent, "new"),)))
    future = NOW + timedelta(minutes=5)
    tickets.append(SupportTicket(102, 901, "Later", "low", (), future, ((future, "new"),)))
    return World(organizations=orgs, tickets=tickets)


def make_app(
    faults: TransportFaults | None = None,
    clock: SimulatedClock | None = None,
    per_minute: int = 1000,
) -> Starlette:
    return create_zendesk_app(
        build_world(),
        clock or SimulatedClock(NOW),
        SEED,
        faults or TransportFaults(),
        EMAIL,
        TOKEN,
        export_per_minute=per_minute,
    )


@contextmanager
def serving(app: Starlette) -> Iterator[httpx.Client]:
    """An authenticated HTTP client against ``app`` served on a loopback port."""
    with running_app(app) as base_url, httpx.Client(base_url=base_url, headers=AUTH) as http:
        yield http


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with serving(make_app()) as http:
        yield http


def export_tickets(client: httpx.Client, start: int, per_page: int) -> tuple[list[Any], str]:
    """Follow ``after_url`` to the end of the stream; return tickets and the last cursor."""
    page = client.get(
        "/api/v2/incremental/tickets/cursor.json",
        params={"start_time": start, "per_page": per_page},
    ).json()
    tickets = list(page["tickets"])
    while not page["end_of_stream"]:
        page = client.get(page["after_url"]).json()
        tickets.extend(page["tickets"])
    return tickets, page["after_cursor"]


def test_ticket_stream_is_ordered_and_complete(client: httpx.Client) -> None:
    tickets, _ = export_tickets(client, 0, per_page=7)
    keys = [(t["generated_timestamp"], t["id"]) for t in tickets]
    assert keys == sorted(keys)
    assert sorted(t["id"] for t in tickets) == list(range(1, TICKETS + 1))
    assert [t["id"] for t in tickets[-4:]] == [10, 20, 30, 40]  # solved 30 minutes ago
    solved = tickets[-1]
    assert solved["status"] == "solved"
    assert solved["updated_at"] == (NOW - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert solved["generated_timestamp"] == unix(NOW - timedelta(minutes=30))
    assert set(solved) >= {"id", "url", "organization_id", "subject", "priority", "tags"}
    assert solved["url"].endswith("/api/v2/tickets/40.json")


def test_start_time_is_inclusive(client: httpx.Client) -> None:
    start = unix(NOW - timedelta(hours=TICKETS + 1 - 5))
    tickets, _ = export_tickets(client, start, per_page=1000)
    assert min(t["id"] for t in tickets) == 5


def test_cursor_round_trip_and_bad_cursor(client: httpx.Client) -> None:
    assert decode_cursor(encode_cursor((1580753798, 432))) == (1580753798, 432)
    bad = client.get("/api/v2/incremental/tickets/cursor.json", params={"cursor": "!!nope"})
    assert bad.status_code == 400
    assert client.get("/api/v2/incremental/tickets/cursor.json").status_code == 400
    too_big = {"start_time": 0, "per_page": 1001}
    assert client.get("/api/v2/incremental/tickets/cursor.json", params=too_big).status_code == 400


def test_stream_resumes_from_the_saved_cursor_after_time_passes() -> None:
    clock = SteppedClock(NOW)
    with serving(make_app(clock=clock)) as http:
        first, cursor = export_tickets(http, 0, per_page=1000)
        assert 101 not in {t["id"] for t in first}  # changed less than a minute ago
        clock.instant += timedelta(minutes=1)
        page = http.get("/api/v2/incremental/tickets/cursor.json", params={"cursor": cursor}).json()
    assert [t["id"] for t in page["tickets"]] == [101]
    assert page["end_of_stream"] is True and page["after_cursor"]


def test_organizations_time_based_export(client: httpx.Client) -> None:
    url: str | None = "/api/v2/incremental/organizations.json?start_time=0&per_page=4"
    pages = []
    while url:
        body = client.get(url).json()
        pages.append(body)
        url = None if body["end_of_stream"] else body["next_page"] + "&per_page=4"
    orgs = [o for p in pages for o in p["organizations"]]
    assert [o["id"] for o in orgs] == sorted(o["id"] for o in orgs)
    assert len(orgs) == 12 and len({o["id"] for o in orgs}) == 12
    assert pages[0]["count"] == 5  # organizations 3 and 4 share a second: one page keeps both
    assert pages[0]["end_time"] == unix(NOW - timedelta(days=17)) + 1
    assert pages[1]["organizations"][0]["id"] == 905
    assert pages[-1]["end_of_stream"] is True
    org = orgs[0]
    assert org["external_id"] == "001T00000000000000" and org["url"].endswith("/900.json")
    assert org["created_at"].endswith("Z")


def test_auth_failure(client: httpx.Client) -> None:
    wrong = base64.b64encode(f"{EMAIL}/token:wrong".encode()).decode()
    response = client.get(
        "/api/v2/incremental/tickets/cursor.json?start_time=0",
        headers={"Authorization": f"Basic {wrong}"},
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Couldn't authenticate you"}


def test_export_rate_limit_per_rolling_minute() -> None:
    app = make_app(per_minute=2)
    with serving(app) as http:
        url = "/api/v2/incremental/organizations.json?start_time=0"
        first, second, third = (http.get(url) for _ in range(3))
    assert first.headers["X-Rate-Limit"] == "2" and first.headers["X-Rate-Limit-Remaining"] == "1"
    assert second.status_code == 200 and second.headers["X-Rate-Limit-Remaining"] == "0"
    assert third.status_code == 429
    assert third.headers["content-type"].startswith("text/plain")
    assert 1 <= int(third.headers["Retry-After"]) <= 60
    assert app.state.stats.requests["/api/v2/incremental/organizations.json"] == 3


def test_transport_faults() -> None:
    faults = TransportFaults(rate_limited=1.0, retry_after=timedelta(seconds=7))
    with serving(make_app(faults)) as http:
        response = http.get("/api/v2/incremental/tickets/cursor.json?start_time=0")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert "Rate Limited" in response.text
    with serving(make_app(TransportFaults(server_errors=1.0))) as http:
        failed = http.get("/api/v2/incremental/tickets/cursor.json?start_time=0")
    assert failed.status_code == 503


def test_malformed_and_renamed() -> None:
    share = 0.3
    faults = TransportFaults(malformed=share, renamed_fields={"external_id": "externalId"})
    with serving(make_app(faults)) as http:
        tickets, _ = export_tickets(http, 0, per_page=1000)
        orgs = http.get("/api/v2/incremental/organizations.json?start_time=0").json()
    bad = {t["id"] for t in tickets if not t["updated_at"].endswith("Z")}
    assert bad and bad == {
        t["id"] for t in tickets if malformed(SEED, share, "zendesk", "ticket", str(t["id"]))
    }
    for org in orgs["organizations"]:
        assert "external_id" not in org and org["externalId"].startswith("001T")
        is_bad = malformed(SEED, share, "zendesk", "organization", str(org["id"]))
        assert org["updated_at"].endswith("Z") != is_bad
