"""The NetSuite simulator speaks SuiteQL over REST with TBA/OAuth 2.0 auth and NetSuite's errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import NetSuiteCredentials
from sandbox.model import ErpCustomer, ErpInvoice
from sandbox.netsuite.app import SUITEQL_PATH, create_netsuite_app
from sandbox.profile import TransportFaults
from sandbox.selection import malformed
from tests.sandbox.sim_helpers import T0, serve

CREDS = NetSuiteCredentials()
ISO = "TO_CHAR({0}, 'YYYY-MM-DD HH24:MI:SS') AS {0}"


def customer(i: int, created: datetime, **kw: Any) -> ErpCustomer:
    """A hand-built ERP customer with internal id ``i``."""
    fields: dict[str, Any] = {
        "id": str(i),
        "entityid": f"CUST{i}",
        "companyname": f"Acme {i}",
        "externalid": f"001A{i:014d}",
        "created": created,
    }
    fields.update(kw)
    return ErpCustomer(**fields)


class Account:
    """A running simulator and a TBA-signing client against it."""

    def __init__(self, base: str, clock: SimulatedClock, app: Any) -> None:
        self.base = base
        self.clock = clock
        self.stats = app.state.stats
        self.http = httpx.Client()

    def signed_headers(self, url: str, **client_kw: Any) -> dict[str, str]:
        """OAuth 1.0 headers from oauthlib's own client."""
        options: dict[str, Any] = {
            "client_secret": CREDS.consumer_secret,
            "resource_owner_key": CREDS.token_id,
            "resource_owner_secret": CREDS.token_secret,
            "signature_method": SIGNATURE_HMAC_SHA256,
            "realm": CREDS.account_id,
            **client_kw,
        }
        client = Client(CREDS.consumer_key, **options)
        _, headers, _ = client.sign(url, http_method="POST")
        return dict(headers)

    def post(
        self,
        q: str,
        limit: int | None = None,
        offset: int | None = None,
        headers: dict[str, str] | None = None,
        prefer: bool = True,
    ) -> httpx.Response:
        """POST one SuiteQL query, signed with TBA unless ``headers`` are given."""
        params = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
        url = str(httpx.URL(self.base + SUITEQL_PATH, params=params))
        sent = dict(headers) if headers is not None else self.signed_headers(url)
        sent["Content-Type"] = "application/json"
        if prefer:
            sent["Prefer"] = "transient"
        return self.http.post(url, headers=sent, content=json.dumps({"q": q}))

    def items(self, q: str, **kw: Any) -> list[dict[str, Any]]:
        """The items of one page (asserting success)."""
        r = self.post(q, **kw)
        assert r.status_code == 200, r.text
        return list(r.json()["items"])


@pytest.fixture
def make_account() -> Iterator[Any]:
    """Start a NetSuite account for a world and faults; stop all at teardown."""
    started: list[tuple[Any, Account]] = []

    def start(world: World, faults: TransportFaults | None = None) -> Account:
        clock = SimulatedClock(T0)
        app = create_netsuite_app(world, clock, 11, faults or TransportFaults(), CREDS)
        ctx = serve(app)
        base, _ = ctx.__enter__()
        account = Account(base, clock, app)
        started.append((ctx, account))
        return account

    yield start
    for ctx, account in reversed(started):
        account.http.close()
        ctx.__exit__(None, None, None)


def invoice_world() -> World:
    """Two customers and three invoices (USD, JPY, paid later)."""
    return World(
        erp_customers=[customer(101, T0 - timedelta(days=2)), customer(102, T0, externalid=None)],
        erp_invoices=[
            ErpInvoice("501", "INV-1", "in_1", "101", 123450, "USD", T0 - timedelta(hours=3)),
            ErpInvoice("502", "INV-2", "in_2", "101", 1234, "JPY", T0 - timedelta(hours=2)),
            ErpInvoice(
                "503",
                "INV-3",
                "in_3",
                "102",
                999,
                "EUR",
                T0 - timedelta(hours=1),
                paid_at=T0 + timedelta(hours=1),
            ),
            ErpInvoice("504", "INV-4", "in_4", "102", 5, "USD", T0 + timedelta(days=1)),
        ],
    )


def test_tba_signed_query_returns_netsuite_items(make_account: Any) -> None:
    acct = make_account(invoice_world())
    r = acct.post(
        "SELECT id, tranid, status, entity, foreigntotal, currency, externalid, "
        + ISO.format("createddate")
        + ", lastmodifieddate FROM transaction WHERE type = 'CustInvc' ORDER BY id",
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["count"], body["hasMore"], body["offset"], body["totalResults"]) == (
        3,
        False,
        0,
        3,
    )
    assert [link["rel"] for link in body["links"]] == ["first", "last", "self"]
    first, jpy, eur = body["items"]
    assert first == {
        "links": [],
        "id": "501",
        "tranid": "INV-1",
        "status": "A",
        "entity": "101",
        "foreigntotal": "1234.50",
        "currency": "1",
        "externalid": "in_1",
        "createddate": "2026-11-19 23:00:00",
        "lastmodifieddate": "11/19/2026 11:00 pm",
    }
    assert (jpy["foreigntotal"], jpy["currency"]) == ("1234", "5")
    assert eur["status"] == "A"
    currencies = acct.items("SELECT id, symbol FROM currency WHERE symbol = 'EUR'")
    assert currencies == [{"links": [], "id": "4", "symbol": "EUR"}]
    acct.clock.start += timedelta(hours=2)
    paid = acct.items(
        "SELECT id, status, " + ISO.format("lastmodifieddate") + " FROM transaction WHERE id = 503"
    )
    assert paid == [
        {"links": [], "id": "503", "status": "B", "lastmodifieddate": "2026-11-20 03:00:00"}
    ]
    nulls = acct.items("SELECT id, externalid FROM customer WHERE externalid IS NULL")
    assert nulls == [{"links": [], "id": "102"}]


def test_tba_refusals(make_account: Any) -> None:
    acct = make_account(invoice_world())
    url = acct.base + SUITEQL_PATH
    headers = acct.signed_headers(url)
    assert acct.post("SELECT id FROM customer", headers=headers).status_code == 200
    replayed = acct.post("SELECT id FROM customer", headers=headers)
    assert replayed.status_code == 401
    tampered = acct.signed_headers(url)
    tampered["Authorization"] = tampered["Authorization"].replace(
        'oauth_signature="', 'oauth_signature="AAAA'
    )
    refused = acct.post("SELECT id FROM customer", headers=tampered)
    assert refused.status_code == 401
    assert refused.json() == {
        "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
        "title": "Unauthorized",
        "status": 401,
        "o:errorDetails": [
            {
                "detail": "Invalid login attempt. For more details, see the Login Audit Trail in "
                "the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit "
                "Trail.",
                "o:errorCode": "INVALID_LOGIN",
            }
        ],
    }
    assert 'error="token_rejected"' in refused.headers["www-authenticate"]
    for bad in (
        {"realm": "7654321"},
        {"client_secret": "wrong"},
        {"resource_owner_secret": "wrong"},
        {"timestamp": str(int(time.time()) - 3600)},
    ):
        r = acct.post("SELECT id FROM customer", headers=acct.signed_headers(url, **bad))
        assert r.status_code == 401, bad
    signed_for_other_query = acct.signed_headers(url + "?limit=5&offset=0")
    r = acct.post("SELECT id FROM customer", limit=10, offset=0, headers=signed_for_other_query)
    assert r.status_code == 401


def test_bearer_tokens(make_account: Any) -> None:
    acct = make_account(invoice_world())
    ok = acct.post(
        "SELECT id FROM customer", headers={"Authorization": f"Bearer {CREDS.oauth2_token}"}
    )
    assert ok.status_code == 200
    bad = acct.post("SELECT id FROM customer", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"
    assert acct.post("SELECT id FROM customer", headers={}).status_code == 401
    assert acct.stats.requests["suiteql"] == 3


def test_paging_with_has_more_and_offset(make_account: Any) -> None:
    world = World(erp_customers=[customer(i, T0 - timedelta(minutes=i)) for i in range(1, 26)])
    acct = make_account(world)
    seen: list[str] = []
    offset = 0
    while True:
        body = acct.post("SELECT id FROM customer ORDER BY id DESC", limit=10, offset=offset).json()
        seen.extend(item["id"] for item in body["items"])
        rels = {link["rel"]: link["href"] for link in body["links"]}
        if not body["hasMore"]:
            assert "next" not in rels
            break
        assert rels["next"].endswith(f"?limit=10&offset={offset + 10}")
        offset += 10
    assert seen == [str(i) for i in range(25, 0, -1)]
    assert body["count"] == 5
    assert rels["last"].endswith("offset=20")
    too_big = acct.post("SELECT id FROM customer", limit=1001)
    assert too_big.status_code == 400
    assert too_big.json()["o:errorDetails"][0]["o:errorQueryParam"] == "limit"


def test_local_time_across_dst_changes(make_account: Any) -> None:
    world = World(
        erp_customers=[
            customer(1, datetime.fromisoformat("2026-03-08T09:30:00+00:00")),
            customer(2, datetime.fromisoformat("2026-03-08T10:30:00+00:00")),
            customer(3, datetime.fromisoformat("2026-11-01T08:30:00+00:00")),
            customer(4, datetime.fromisoformat("2026-11-01T09:30:00+00:00")),
        ]
    )
    acct = make_account(world)
    rows = acct.items(
        "SELECT id, "
        + ISO.format("datecreated")
        + ", datecreated AS shown FROM customer ORDER BY id"
    )
    assert [(r["datecreated"], r["shown"]) for r in rows] == [
        ("2026-03-08 01:30:00", "3/8/2026 1:30 am"),
        ("2026-03-08 03:30:00", "3/8/2026 3:30 am"),
        ("2026-11-01 01:30:00", "11/1/2026 1:30 am"),
        ("2026-11-01 01:30:00", "11/1/2026 1:30 am"),
    ]
    after = acct.items(
        "SELECT id FROM customer WHERE datecreated >= "
        "TO_DATE('2026-03-08 03:00:00', 'YYYY-MM-DD HH24:MI:SS') AND "
        "datecreated < TO_DATE('2026-11-01 01:45:00', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
    )
    assert [r["id"] for r in after] == ["2", "3"]


def test_result_ceiling_of_100k(make_account: Any) -> None:
    world = World(erp_customers=[customer(i, T0 - timedelta(days=1)) for i in range(1, 100_002)])
    acct = make_account(world)
    body = acct.post("SELECT id FROM customer ORDER BY id", limit=1000, offset=99_000).json()
    assert (body["count"], body["hasMore"], body["totalResults"]) == (1000, False, 100_001)
    assert body["items"][-1]["id"] == "100000"
    beyond = acct.post("SELECT id FROM customer ORDER BY id", limit=1000, offset=99_500)
    assert beyond.status_code == 400
    assert beyond.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_PARAMETER"


@pytest.mark.parametrize(
    "q",
    [
        "SELECT * FROM customer",
        "SELECT id FROM customer c JOIN transaction t ON t.entity = c.id",
        "SELECT nope FROM customer",
        "SELECT id FROM vendor",
        "SELECT id FROM customer WHERE datecreated > '2026-01-01'",
        "SELECT id FROM customer GROUP BY id",
        "SELECT TO_CHAR(datecreated, 'Month DD') FROM customer",
    ],
)
def test_unsupported_queries_get_invalid_parameter(make_account: Any, q: str) -> None:
    acct = make_account(invoice_world())
    r = acct.post(q)
    assert r.status_code == 400
    detail = r.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert detail["detail"].startswith("Invalid search query.")


def test_prefer_transient_is_required(make_account: Any) -> None:
    acct = make_account(invoice_world())
    r = acct.post("SELECT id FROM customer", prefer=False)
    assert r.status_code == 400
    assert r.json()["o:errorDetails"][0]["o:errorHeader"] == "Prefer"


def test_rate_limit_fault_is_a_429_without_retry_after(make_account: Any) -> None:
    acct = make_account(invoice_world(), TransportFaults(rate_limited=1.0))
    r = acct.post("SELECT id FROM customer")
    assert r.status_code == 429
    assert "retry-after" not in r.headers
    assert r.json()["o:errorDetails"][0]["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    assert acct.stats.faults.rate_limited == 1


def test_malformed_records_and_renamed_fields(make_account: Any) -> None:
    world = World(erp_customers=[customer(i, T0 - timedelta(hours=i)) for i in range(1, 41)])
    faults = TransportFaults(malformed=0.3, renamed_fields={"lastmodifieddate": "lastmodified"})
    acct = make_account(world, faults)
    rows = acct.items(
        "SELECT id, " + ISO.format("datecreated") + ", lastmodifieddate FROM customer", limit=100
    )
    assert all("lastmodified" in r and "lastmodifieddate" not in r for r in rows)
    broken = {r["id"] for r in rows if r["datecreated"] == "not-a-date"}
    expected = {
        c.id for c in world.erp_customers if malformed(11, 0.3, "netsuite", "customer", c.id)
    }
    assert broken == expected
    assert 0 < len(broken) < 40
    ids_only = acct.items("SELECT id, companyname FROM customer", limit=100)
    assert sum("id" not in r for r in ids_only) == len(expected)


def test_malformed_invoices_match_the_manifest_choice(make_account: Any) -> None:
    world = World(
        erp_invoices=[
            ErpInvoice(str(600 + i), f"INV-{i}", f"in_{i}", "101", 100 * i, "USD", T0)
            for i in range(40)
        ]
    )
    acct = make_account(world, TransportFaults(malformed=0.3))
    rows = acct.items("SELECT id, foreigntotal FROM transaction", limit=100)
    broken = {r["id"] for r in rows if r["foreigntotal"] == "not-a-number"}
    expected = {e.id for e in world.erp_invoices if malformed(11, 0.3, "netsuite", "invoice", e.id)}
    assert broken == expected
    assert 0 < len(broken) < 40
