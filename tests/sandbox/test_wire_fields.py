"""Every object the simulators serve carries exactly the fields of the vendor's own description.

The field lists in ``tests/fixtures/wire_fields/`` were derived from Stripe's published example
objects and Zendesk's OpenAPI description; each file names its source and commit. Values are
checked for consistency with the world where a field restates another one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.model import BillingCustomer, SupportOrganization, SupportTicket
from sandbox.profile import TransportFaults
from sandbox.stripe.app import create_stripe_app
from sandbox.wire.encoding import unix
from sandbox.zendesk.app import ORGANIZATIONS_PATH, TICKETS_PATH, create_zendesk_app
from testkit.servers import running_app
from tests.sandbox.stripe_world import NOW, build_world

FIELDS = Path(__file__).parents[1] / "fixtures" / "wire_fields"
STRIPE_FIELDS: dict[str, Any] = json.loads((FIELDS / "stripe.json").read_text())
ZENDESK_FIELDS: dict[str, Any] = json.loads((FIELDS / "zendesk.json").read_text())
KEY = "sk_test_51TestKeyForTheWireFields00001234"
DELETED = "cus_TDeletedCustomer1"
EMAIL, TOKEN = "agent@example.com", "zd-test-token"

Json = dict[str, Any]


def fields(spec: Json, kind: str) -> set[str]:
    """The fields the description gives ``kind``, less those the pinned version removed."""
    removed = spec.get("removed_by_pinned_version", {}).get(kind, {})
    return set(spec["objects"][kind]) - set(removed)


def assert_fields(actual: Iterable[str], expected: set[str], where: str) -> None:
    """The keys are exactly ``expected``; a failure names what is missing and what is extra."""
    keys = set(actual)
    assert keys == expected, (
        f"{where}: missing {sorted(expected - keys)}, extra {sorted(keys - expected)}"
    )


def objects_at(obj: Json, path: str) -> list[Json]:
    """Every object at ``path`` under ``obj`` (``lines.data[].period``); nulls are skipped."""
    current = [obj]
    for step in path.split("."):
        name = step.removesuffix("[]")
        found = [value[name] for value in current if value.get(name) is not None]
        current = [item for value in found for item in value] if step.endswith("[]") else found
    return current


def check(spec: Json, kind: str, obj: Json, checked: set[str]) -> None:
    """``obj`` and the objects nested in it have exactly their described fields."""
    assert_fields(obj, fields(spec, kind), f"{kind} {obj.get('id')}")
    for path, described in spec["nested"].items():
        root, _, rest = path.partition(".")
        if root != kind:
            continue
        optional = set(spec.get("optional", {}).get(path, {}))
        for value in objects_at(obj, rest):
            assert_fields(value.keys() - optional, set(described), f"{path} of {obj.get('id')}")
            checked.add(path)


def stripe_world() -> World:
    """The Stripe simulator tests' world, plus a customer deleted a day ago."""
    world = build_world()
    world.billing_customers.append(
        BillingCustomer(
            DELETED,
            "Gone",
            "gone@example.com",
            None,
            NOW - timedelta(days=3),
            deleted_at=NOW - timedelta(days=1),
        )
    )
    return world


@pytest.fixture(scope="module")
def stripe_url() -> Iterator[str]:
    app = create_stripe_app(stripe_world(), SimulatedClock(NOW), 3, TransportFaults(), KEY)
    with running_app(app) as base_url:
        yield base_url


def all_pages(http: httpx.Client, path: str, **params: Any) -> list[Json]:
    """Every object of a Stripe list, page by page."""
    items: list[Json] = []
    while True:
        response = http.get(path, params={"limit": 100, **params})
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["data"])
        if not page["has_more"]:
            return items
        params["starting_after"] = page["data"][-1]["id"]


@pytest.fixture(scope="module")
def served(stripe_url: str) -> dict[str, list[Json]]:
    """Everything the Stripe simulator lists, and the deleted customer it answers for."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=stripe_url, headers=headers) as http:
        deleted = http.get(f"/v1/customers/{DELETED}").json()
        return {
            "customer": all_pages(http, "/v1/customers"),
            "deleted_customer": [deleted],
            "subscription": all_pages(http, "/v1/subscriptions", status="all"),
            "invoice": all_pages(http, "/v1/invoices"),
            "event": all_pages(http, "/v1/events"),
        }


def test_stripe_objects_carry_every_described_field(served: dict[str, list[Json]]) -> None:
    checked: set[str] = set()
    for kind, objects in served.items():
        assert objects, kind
        for obj in objects:
            check(STRIPE_FIELDS, kind, obj, checked)
    for event in served["event"]:
        obj = event["data"]["object"]
        check(STRIPE_FIELDS, obj["object"], obj, checked)
        updated = event["type"].endswith(".updated")
        assert ("previous_attributes" in event["data"]) == updated, event["id"]
    assert checked == set(STRIPE_FIELDS["nested"]), "every described nested object is served"


def test_stripe_counts_match_the_description() -> None:
    counts = {kind: len(fields(STRIPE_FIELDS, kind)) for kind in STRIPE_FIELDS["objects"]}
    assert counts == {
        "customer": 22,
        "deleted_customer": 3,
        "event": 9,
        "invoice": 74,
        "subscription": 47,
    }


def test_stripe_values_agree_with_each_other(served: dict[str, list[Json]]) -> None:
    customers = {c["id"]: c for c in served["customer"]}
    invoices = {i["id"]: i for i in served["invoice"]}
    for invoice in invoices.values():
        line = invoice["lines"]["data"][0]
        assert invoice["amount_due"] == invoice["amount_paid"] + invoice["amount_remaining"]
        assert invoice["total_excluding_tax"] == invoice["subtotal"] == line["amount"]
        assert invoice["due_date"] is None and invoice["collection_method"] != "send_invoice"
        assert invoice["period_end"] == invoice["created"] >= invoice["period_start"]
        assert line["period"]["start"] <= invoice["created"] <= line["period"]["end"]
        customer = customers[invoice["customer"]]
        assert invoice["customer_email"] == customer["email"]
        assert invoice["customer_name"] == customer["name"]
        finalized = invoice["status_transitions"]["finalized_at"]
        assert (invoice["number"] is None) == (finalized is None) == (invoice["status"] == "draft")
        assert (invoice["hosted_invoice_url"] is None) == (finalized is None)
        assert invoice["attempted"] == (invoice["status"] == "paid")
        if invoice["next_payment_attempt"] is not None:
            assert invoice["status"] in ("draft", "open")
            assert invoice["next_payment_attempt"] > unix(NOW)
        subscription = line["subscription"]
        assert line["parent"]["type"] == (
            "subscription_item_details" if subscription else "invoice_item_details"
        )
        assert (invoice["parent"] or {}).get("subscription_details", {}).get(
            "subscription"
        ) == subscription
    for sub in served["subscription"]:
        mine = [i for i in invoices.values() if i["lines"]["data"][0]["subscription"] == sub["id"]]
        newest = max(mine, key=lambda i: (i["created"], i["id"]), default=None)
        assert sub["latest_invoice"] == (newest["id"] if newest else None)
        item = sub["items"]["data"][0]
        assert item["current_period_start"] <= unix(NOW) < item["current_period_end"] or (
            sub["status"] == "canceled"
        )
        assert item["plan"]["amount"] == item["price"]["unit_amount"]
        assert customers[sub["customer"]]["currency"] == sub["currency"]


def test_official_client_reads_the_new_fields(stripe_url: str) -> None:
    client = stripe.StripeClient(KEY, base_addresses={"api": stripe_url}, max_network_retries=0)
    invoice = client.v1.invoices.retrieve("in_T00000000000003")
    subscription = client.v1.subscriptions.retrieve("sub_A0002")
    customer = client.v1.customers.retrieve("cus_T0000000000003")
    assert invoice.lines.data[0].period.end > invoice.lines.data[0].period.start
    assert invoice.status_transitions.voided_at is not None and invoice.amount_overpaid == 0
    assert invoice.customer_email == customer.email == "billing3@example.com"
    assert subscription["items"].data[0].current_period_end > unix(NOW)
    assert customer.invoice_settings is not None
    assert customer.invoice_settings.default_payment_method is None


def zendesk_world() -> World:
    """Three organizations and four tickets, each opened and then solved an hour ago."""
    orgs = [
        SupportOrganization(900 + n, f"Org {n}", f"001T{n:014d}", NOW - timedelta(days=5 - n))
        for n in range(3)
    ]
    tickets = [
        SupportTicket(
            n,
            900 + n % 3,
            f"Ticket {n}",
            "normal",
            ("billing",),
            NOW - timedelta(hours=10 - n),
            ((NOW - timedelta(hours=10 - n), "open"), (NOW - timedelta(hours=1), "solved")),
        )
        for n in range(1, 5)
    ]
    return World(organizations=orgs, tickets=tickets)


def test_zendesk_exports_carry_every_described_field() -> None:
    app = create_zendesk_app(
        zendesk_world(), SimulatedClock(NOW), 5, TransportFaults(), EMAIL, TOKEN
    )
    auth = "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
    with (
        running_app(app) as base_url,
        httpx.Client(base_url=base_url, headers={"Authorization": auth}) as http,
    ):
        tickets = http.get(TICKETS_PATH, params={"start_time": 0}).json()
        organizations = http.get(ORGANIZATIONS_PATH, params={"start_time": 0}).json()
    checked: set[str] = set()
    check(ZENDESK_FIELDS, "ticket_export", tickets, checked)
    check(ZENDESK_FIELDS, "organization_export", organizations, checked)
    assert len(tickets["tickets"]) == 4 and len(organizations["organizations"]) == 3
    for ticket in tickets["tickets"]:
        check(ZENDESK_FIELDS, "ticket", ticket, checked)
        assert ticket["generated_timestamp"] == unix(NOW - timedelta(hours=1))
        assert ticket["raw_subject"] == ticket["subject"]
    for organization in organizations["organizations"]:
        check(ZENDESK_FIELDS, "organization", organization, checked)
    assert checked == set(ZENDESK_FIELDS["nested"])
