"""The Stripe simulator against Stripe's public behaviour and the official ``stripe`` client."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import stripe
from starlette.applications import Starlette

from sandbox.clock import SimulatedClock
from sandbox.profile import TransportFaults
from sandbox.selection import malformed
from sandbox.stripe.app import create_stripe_app
from sandbox.wire.encoding import unix
from testkit.servers import running_app
from tests.sandbox.sim_helpers import SteppedClock
from tests.sandbox.stripe_world import CUSTOMERS, FUTURE_INVOICE, NOW, build_world

KEY = "sk_test_51TestKeyForTheSimulator0000001234"
AUTH = {"Authorization": f"Bearer {KEY}"}
SEED = 7


def make_app(
    faults: TransportFaults | None = None, clock: SimulatedClock | None = None
) -> Starlette:
    return create_stripe_app(
        build_world(), clock or SimulatedClock(NOW), SEED, faults or TransportFaults(), KEY
    )


@contextmanager
def serving(app: Starlette) -> Iterator[httpx.Client]:
    """An HTTP client authenticated against ``app`` served on a loopback port."""
    with running_app(app) as base_url, httpx.Client(base_url=base_url, headers=AUTH) as http:
        yield http


@pytest.fixture(scope="module")
def app() -> Starlette:
    return make_app()


@pytest.fixture(scope="module")
def client(app: Starlette) -> Iterator[httpx.Client]:
    with serving(app) as http:
        yield http


def get(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def all_pages(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = get(client, path, **params)
        items.extend(page["data"])
        if not page["has_more"]:
            return items
        params["starting_after"] = page["data"][-1]["id"]


def test_official_client_pages_through_every_list() -> None:
    world = build_world()
    with running_app(make_app()) as base_url:
        client = stripe.StripeClient(KEY, base_addresses={"api": base_url}, max_network_retries=0)
        customers = list(client.v1.customers.list({"limit": 4}).auto_paging_iter())
        invoices = list(client.v1.invoices.list({"limit": 7}).auto_paging_iter())
        events = list(
            client.v1.events.list(
                {"types": ["invoice.paid", "invoice.voided"], "limit": 1}
            ).auto_paging_iter()
        )
        one = client.v1.invoices.retrieve("in_T00000000000002")
    assert len(customers) == len(world.billing_customers)
    assert [c.id for c in customers] == [
        c.id for c in sorted(world.billing_customers, key=lambda c: (c.created, c.id), reverse=True)
    ]
    assert len(invoices) == 30  # the invoice created after now is not there yet
    assert [e.id for e in events] == ["evt_in0003", "evt_in0004", "evt_in0002"]
    assert one.status == "paid" and one.total == 1252


def test_newest_first_with_id_tie_break(client: httpx.Client) -> None:
    customers = all_pages(client, "/v1/customers", limit=100)
    keys = [(c["created"], c["id"]) for c in customers]
    assert keys == sorted(keys, reverse=True)
    twins = [c["id"] for c in customers if c["created"] == unix(NOW - timedelta(hours=97))]
    assert twins == ["cus_T9999999999999", "cus_T0000000000003"]
    assert len(customers) == CUSTOMERS + 1


def test_cursor_pagination_both_ways(client: httpx.Client) -> None:
    first = get(client, "/v1/customers", limit=3)
    assert first["object"] == "list" and first["url"] == "/v1/customers" and first["has_more"]
    assert len(get(client, "/v1/customers")["data"]) == 10
    second = get(client, "/v1/customers", limit=3, starting_after=first["data"][-1]["id"])
    back = get(client, "/v1/customers", limit=3, ending_before=second["data"][0]["id"])
    assert [c["id"] for c in back["data"]] == [c["id"] for c in first["data"]]
    assert back["has_more"] is False


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        (
            {"starting_after": "cus_T0000000000001", "ending_before": "cus_T0000000000002"},
            "ending_before",
        ),
        ({"starting_after": "cus_nope"}, "starting_after"),
        ({"colour": "red"}, "colour"),
        ({"created[gte]": "yesterday"}, "created[gte]"),
    ],
)
def test_bad_list_parameters_are_refused(
    client: httpx.Client, params: dict[str, Any], param: str
) -> None:
    response = client.get("/v1/customers", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param


def test_created_ranges_and_exact(client: httpx.Client) -> None:
    low, high = unix(NOW - timedelta(hours=90)), unix(NOW - timedelta(hours=85))
    ranged = all_pages(client, "/v1/customers", **{"created[gte]": low, "created[lt]": high})
    assert ranged and all(low <= c["created"] < high for c in ranged)
    assert len(ranged) == 5
    exact = get(client, "/v1/customers", created=low)["data"]
    assert [c["created"] for c in exact] == [low]
    after = all_pages(client, "/v1/customers", **{"created[gt]": low, "created[lte]": high})
    assert [c["created"] for c in after] == list(range(high, low, -3600))


def test_filters(client: httpx.Client) -> None:
    assert [
        c["id"] for c in get(client, "/v1/customers", email="billing7@example.com")["data"]
    ] == ["cus_T0000000000007"]
    paid = all_pages(client, "/v1/invoices", status="paid")
    assert paid and {i["status"] for i in paid} == {"paid"}
    by_customer = all_pages(client, "/v1/invoices", customer="cus_T0000000000001")
    assert {i["customer"] for i in by_customer} == {"cus_T0000000000001"} and len(by_customer) == 5
    by_sub = all_pages(client, "/v1/invoices", subscription="sub_A0001")
    assert len(by_sub) == 10
    assert {i["parent"]["subscription_details"]["subscription"] for i in by_sub} == {"sub_A0001"}
    assert client.get("/v1/invoices", params={"status": "bogus"}).status_code == 400


def test_subscriptions_hide_canceled_unless_asked(client: httpx.Client) -> None:
    default = {s["id"] for s in get(client, "/v1/subscriptions")["data"]}
    assert default == {"sub_A0001", "sub_A0002", "sub_A0004"}
    everything = {s["id"]: s for s in get(client, "/v1/subscriptions", status="all")["data"]}
    assert everything["sub_A0003"]["status"] == "canceled"
    assert everything["sub_A0003"]["canceled_at"] == unix(NOW - timedelta(hours=5))
    mine = get(client, "/v1/subscriptions", customer="cus_T0000000000002")["data"]
    assert {s["id"] for s in mine} == {"sub_A0002", "sub_A0004"}
    amended = everything["sub_A0002"]
    assert amended["metadata"] == {"crm_amendment_id": "a1QAMEND0001"}
    assert amended["items"]["data"][0]["price"]["unit_amount"] == 25_000
    assert amended["items"]["data"][0]["price"]["recurring"]["interval"] == "year"


def test_invoice_shape_follows_basil(client: httpx.Client) -> None:
    invoices = {i["id"]: i for i in all_pages(client, "/v1/invoices", limit=100)}
    draft, paid = invoices["in_T00000000000000"], invoices["in_T00000000000002"]
    assert draft["status"] == "draft" and draft["number"] is None
    assert draft["status_transitions"]["finalized_at"] is None
    assert "subscription" not in draft
    assert draft["parent"]["type"] == "subscription_details"
    assert draft["parent"]["subscription_details"]["subscription"] == "sub_A0001"
    assert paid["parent"] is None and paid["number"] == "INV-0002"
    assert paid["amount_paid"] == paid["total"] == 1252 and paid["amount_remaining"] == 0
    assert paid["currency"] == "usd" and paid["livemode"] is False
    assert paid["status_transitions"]["paid_at"] > paid["status_transitions"]["finalized_at"]
    assert invoices["in_T00000000000003"]["status"] == "void"


def test_events_keep_thirty_days_and_filter_by_type(client: httpx.Client) -> None:
    ids = [e["id"] for e in all_pages(client, "/v1/events")]
    assert "evt_old0001" not in ids and "evt_old0002" not in ids and "evt_future1" not in ids
    assert ids[-1] == "evt_in0001"  # exactly 30 days old is still kept
    wildcard = {e["id"] for e in get(client, "/v1/events", type="customer.*")["data"]}
    assert wildcard == {"evt_cus0001", "evt_amend1", "evt_sub0003"}
    bracket = client.get("/v1/events?types[]=invoice.voided&types[]=customer.created").json()
    indexed = client.get("/v1/events?types[0]=invoice.voided&types[1]=customer.created").json()
    assert {e["id"] for e in bracket["data"]} == {e["id"] for e in indexed["data"]}
    assert {e["id"] for e in bracket["data"]} == {"evt_in0004", "evt_cus0001"}
    too_many = "&".join(f"types[{n}]=invoice.t{n}" for n in range(21))
    assert client.get(f"/v1/events?{too_many}").status_code == 400
    both = client.get("/v1/events?type=invoice.paid&types[0]=invoice.paid")
    assert both.status_code == 400


def test_event_shows_object_as_of_the_event(client: httpx.Client) -> None:
    events = {e["id"]: e for e in all_pages(client, "/v1/events", limit=100)}
    finalized = events["evt_in0001"]
    assert finalized["object"] == "event" and finalized["api_version"] == "2025-04-30.basil"
    paid = events["evt_in0002"]["data"]["object"]
    assert paid["status"] == "paid" and paid["id"] == "in_T00000000000002"
    amend = events["evt_amend1"]
    assert amend["data"]["object"]["metadata"] == {"crm_amendment_id": "a1QAMEND0001"}
    assert amend["data"]["previous_attributes"]["metadata"] == {"crm_amendment_id": None}
    assert amend["request"]["id"].startswith("req_")
    assert amend["livemode"] is False and amend["pending_webhooks"] == 0
    voided = events["evt_in0004"]["data"]["object"]
    assert voided["status"] == "void"


def test_auth() -> None:
    app = make_app()
    with serving(app) as client:
        check_auth(client)
    assert app.state.stats.requests["/v1/customers"] == 3


def check_auth(client: httpx.Client) -> None:
    wrong = client.get("/v1/customers", headers={"Authorization": "Bearer sk_test_wrongkey9876"})
    assert wrong.status_code == 401
    error = wrong.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == "Invalid API Key provided: sk_test_****9876"
    assert wrong.headers["Request-Id"].startswith("req_")
    missing = client.get("/v1/customers", headers={"Authorization": ""})
    assert (
        missing.status_code == 401
        and "did not provide an API key" in missing.json()["error"]["message"]
    )
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    assert (
        client.get("/v1/customers", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    )
    unknown = client.get("/v1/charges")
    assert unknown.status_code == 404 and unknown.headers["Request-Id"].startswith("req_")
    assert client.get("/v1/invoices/in_missing").json()["error"]["code"] == "resource_missing"


def test_rate_limit_and_server_error_shapes() -> None:
    with serving(make_app(TransportFaults(rate_limited=1.0))) as c:
        response = c.get("/v1/invoices")
    assert response.status_code == 429
    assert response.headers["Stripe-Should-Retry"] == "true"
    assert "Retry-After" not in response.headers
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "rate_limit"
    failing = make_app(TransportFaults(server_errors=1.0))
    with serving(failing) as c:
        failed = c.get("/v1/invoices")
    assert failing.state.stats.faults.server_errors == 1
    assert failed.status_code == 500 and failed.json()["error"]["type"] == "api_error"
    assert failed.headers["Stripe-Should-Retry"] == "true"


def test_official_client_raises_rate_limit_error() -> None:
    with running_app(make_app(TransportFaults(rate_limited=1.0))) as base_url:
        client = stripe.StripeClient(KEY, base_addresses={"api": base_url}, max_network_retries=0)
        with pytest.raises(stripe.RateLimitError):
            client.v1.customers.list()


def test_malformed_records_match_the_selection() -> None:
    share = 0.3
    with serving(make_app(TransportFaults(malformed=share))) as c:
        customers = all_pages(c, "/v1/customers", limit=100)
        invoices = all_pages(c, "/v1/invoices", limit=100)
        events = all_pages(c, "/v1/events", limit=100)
    bad_customers = {x["id"] for x in customers if x["created"] is None}
    assert bad_customers == {
        x["id"] for x in customers if malformed(SEED, share, "stripe", "customer", x["id"])
    }
    assert bad_customers
    bad_invoices = {x["id"] for x in invoices if isinstance(x["total"], str)}
    assert bad_invoices == {
        x["id"] for x in invoices if malformed(SEED, share, "stripe", "invoice", x["id"])
    }
    for invoice in invoices:
        if invoice["id"] in bad_invoices:
            assert invoice["total"] == f"{invoice['subtotal'] / 100:g}x"
    for event in events:
        obj = event["data"]["object"]
        if obj["object"] == "invoice":
            assert isinstance(obj["total"], str) == (obj["id"] in bad_invoices)


def test_renamed_fields() -> None:
    drift = {
        "email": "email_address",
        "parent.subscription_details.subscription": "subscription_id",
    }
    with serving(make_app(TransportFaults(renamed_fields=drift))) as c:
        customer = get(c, "/v1/customers", limit=1)["data"][0]
        invoice = get(c, "/v1/invoices", subscription="sub_A0001", limit=1)["data"][0]
    assert "email" not in customer and customer["email_address"].endswith("@example.com")
    details = invoice["parent"]["subscription_details"]
    assert details["subscription_id"] == "sub_A0001" and "subscription" not in details


def test_live_clock_reveals_records_as_time_passes() -> None:
    clock = SteppedClock(NOW)
    with serving(make_app(clock=clock)) as http:
        before = http.get(f"/v1/invoices/{FUTURE_INVOICE}")
        assert before.status_code == 404
        clock.instant += timedelta(seconds=30)
        after = http.get("/v1/invoices", params={"limit": 1}).json()["data"][0]
        event = http.get("/v1/events", params={"limit": 1}).json()["data"][0]
    assert after["id"] == FUTURE_INVOICE and after["status"] == "draft"
    assert event["id"] == "evt_future1"
