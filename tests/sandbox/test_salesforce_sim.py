"""The Salesforce simulator speaks the REST API's wire format, errors and limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import SalesforceCredentials
from sandbox.model import AmendmentQuote, CrmAccount
from sandbox.profile import TransportFaults
from sandbox.salesforce.app import create_salesforce_app
from sandbox.selection import malformed
from tests.sandbox.sim_helpers import T0, serve

API = "/services/data/v62.0"
CREDS = SalesforceCredentials(client_id="3MVG9-test", client_secret="s3cret")


def account(i: int, created: datetime, **kw: Any) -> CrmAccount:
    """A hand-built account numbered ``i``."""
    fields: dict[str, Any] = {
        "id": f"001A{i:014d}",
        "name": f"Acme {i}",
        "website": f"https://acme{i}.example",
        "created": created,
        "arr_minor": 12_000_050,
        "currency": "USD",
    }
    fields.update(kw)
    return CrmAccount(**fields)


class Org:
    """A running simulator and an authenticated client against it."""

    def __init__(
        self, base: str, clock: SimulatedClock, app: Any, creds: SalesforceCredentials
    ) -> None:
        self.base = base
        self.clock = clock
        self.stats = app.state.stats
        self.http = httpx.Client(base_url=base)
        token = self.http.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
        ).json()["access_token"]
        self.auth = {"Authorization": f"Bearer {token}"}

    def query(self, soql: str, endpoint: str = "query", batch: int | None = None) -> httpx.Response:
        """Run one query request."""
        headers = dict(self.auth)
        if batch:
            headers["Sforce-Query-Options"] = f"batchSize={batch}"
        return self.http.get(f"{API}/{endpoint}", params={"q": soql}, headers=headers)

    def all_records(self, soql: str, batch: int | None = None) -> list[dict[str, Any]]:
        """Follow nextRecordsUrl to the end."""
        page = self.query(soql, batch=batch).json()
        records = list(page["records"])
        while not page["done"]:
            page = self.http.get(page["nextRecordsUrl"], headers=self.auth).json()
            records.extend(page["records"])
        assert "nextRecordsUrl" not in page
        return records


@pytest.fixture
def make_org() -> Iterator[Any]:
    """Start an org for a world and faults; stop every org at teardown."""
    stack: list[Any] = []

    def start(
        world: World, faults: TransportFaults | None = None, creds: SalesforceCredentials = CREDS
    ) -> Org:
        clock = SimulatedClock(T0)
        app = create_salesforce_app(world, clock, 7, faults or TransportFaults(), creds)
        ctx = serve(app)
        base, _ = ctx.__enter__()
        stack.append(ctx)
        org = Org(base, clock, app, creds)
        orgs.append(org)
        return org

    orgs: list[Org] = []
    yield start
    for org in orgs:
        org.http.close()
    for ctx in reversed(stack):
        ctx.__exit__(None, None, None)


def small_world() -> World:
    """Three live accounts (one linked later, one created in the future) and one deleted."""
    return World(
        accounts=[
            account(1, T0 - timedelta(days=3)),
            account(
                2,
                T0 - timedelta(days=2),
                erp_customer_id="1001",
                erp_linked_at=T0 + timedelta(hours=1),
                arr_minor=5_000_000,
                currency="JPY",
            ),
            account(3, T0 - timedelta(days=1), deleted_at=T0 - timedelta(hours=2)),
            account(4, T0 + timedelta(days=1)),
        ],
        amendments=[
            AmendmentQuote(
                id="a0zA00000000000001",
                account_id="001A00000000000001",
                master_contract_id="800A00000000000001",
                net_amount_minor=250_000,
                currency="EUR",
                created=T0 - timedelta(days=1),
                approved_at=T0 - timedelta(hours=5),
            )
        ],
    )


def test_records_render_in_salesforce_shapes(make_org: Any) -> None:
    org = make_org(small_world())
    r = org.query("SELECT Id, Name, CreatedDate, ARR__c, CurrencyIsoCode FROM Account ORDER BY Id")
    assert r.status_code == 200
    body = r.json()
    assert (body["totalSize"], body["done"]) == (2, True)
    assert "nextRecordsUrl" not in body
    first, second = body["records"]
    assert first == {
        "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/001A00000000000001"},
        "Id": "001A00000000000001",
        "Name": "Acme 1",
        "CreatedDate": "2026-11-17T10:00:00.000+0000",
        "ARR__c": 120000.5,
        "CurrencyIsoCode": "USD",
    }
    assert second["ARR__c"] == 5_000_000
    assert r.headers["Sforce-Limit-Info"] == "api-usage=1/100000"
    quote = org.query(
        "SELECT Id, SBQQ__Status__c, SBQQ__NetAmount__c, Approved_At__c FROM SBQQ__Quote__c "
        "WHERE SBQQ__Type__c = 'Amendment'"
    ).json()["records"][0]
    assert quote["SBQQ__Status__c"] == "Approved"
    assert quote["SBQQ__NetAmount__c"] == 2500.0
    assert quote["Approved_At__c"] == "2026-11-20T05:00:00.000+0000"


def test_state_follows_the_clock(make_org: Any) -> None:
    org = make_org(small_world())
    soql = (
        "SELECT Id, ERP_Customer_Id__c, SystemModstamp FROM Account WHERE Id = '001A00000000000002'"
    )
    before = org.query(soql).json()["records"][0]
    assert before["ERP_Customer_Id__c"] is None
    org.clock.start += timedelta(hours=2)
    after = org.query(soql).json()["records"][0]
    assert after["ERP_Customer_Id__c"] == "1001"
    assert after["SystemModstamp"] == "2026-11-20T11:00:00.000+0000"
    assert org.query("SELECT Id FROM Account").json()["totalSize"] == 2
    org.clock.start += timedelta(days=1)
    assert org.query("SELECT Id FROM Account").json()["totalSize"] == 3


def test_query_all_includes_deleted_records(make_org: Any) -> None:
    org = make_org(small_world())
    live = org.query("SELECT Id FROM Account").json()["records"]
    assert "001A00000000000003" not in {r["Id"] for r in live}
    everything = org.query(
        "SELECT Id, IsDeleted FROM Account WHERE IsDeleted = TRUE", endpoint="queryAll"
    ).json()
    assert [(r["Id"], r["IsDeleted"]) for r in everything["records"]] == [
        ("001A00000000000003", True)
    ]


def test_pagination_follows_next_records_url_to_the_end(make_org: Any) -> None:
    world = World(accounts=[account(i, T0 - timedelta(minutes=i)) for i in range(450)])
    org = make_org(world)
    first = org.query("SELECT Id FROM Account", batch=200).json()
    assert (first["totalSize"], first["done"], len(first["records"])) == (450, False, 200)
    assert first["nextRecordsUrl"].startswith(f"{API}/query/01g")
    assert first["nextRecordsUrl"].endswith("-200")
    records = org.all_records("SELECT Id FROM Account", batch=200)
    assert len({r["Id"] for r in records}) == 450
    assert org.stats.requests["queryMore"] == 2
    assert org.query("SELECT Id FROM Account", batch=5).json()["records"].__len__() == 200
    bad = org.http.get(f"{API}/query/01gNOPE-200", headers=org.auth)
    assert bad.status_code == 400
    assert bad.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_incremental_filter_and_ordering(make_org: Any) -> None:
    tie = T0 - timedelta(hours=1)
    world = World(
        accounts=[
            account(5, T0 - timedelta(days=5), edits=(tie,)),
            account(6, T0 - timedelta(days=4)),
            account(7, T0 - timedelta(days=3), edits=(tie,)),
            account(8, tie),
        ]
    )
    org = make_org(world)
    for literal in (
        "2026-11-20T09:00:00Z",
        "2026-11-20T09:00:00.000Z",
        "2026-11-20T09:00:00+00:00",
    ):
        r = org.query(
            f"SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp >= {literal} "
            "ORDER BY SystemModstamp, Id"
        )
        assert [x["Id"][-1] for x in r.json()["records"]] == ["5", "7", "8"]
    desc = org.query("SELECT Id FROM Account ORDER BY CreatedDate DESC LIMIT 2").json()
    assert [x["Id"][-1] for x in desc["records"]] == ["8", "7"]
    assert desc["totalSize"] == 2
    grouped = org.query(
        "SELECT Id FROM Account WHERE (SystemModstamp > 2026-11-20T09:00:00Z OR "
        "Name = 'acme 6') AND IsDeleted = FALSE ORDER BY Id DESC"
    ).json()
    assert [x["Id"][-1] for x in grouped["records"]] == ["6"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT COUNT() FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'a' AND Id = 'b' OR Id = 'c'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account GROUP BY Name", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name LIKE 'A%'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
        ("SELECT Id, Owner.Name FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE CreatedDate > '2026-01-01T00:00:00Z'", "INVALID_FIELD"),
        ("SELECT Id FROM Opportunity", "INVALID_TYPE"),
    ],
)
def test_unsupported_queries_are_refused(make_org: Any, soql: str, code: str) -> None:
    org = make_org(small_world())
    r = org.query(soql)
    assert r.status_code == 400
    assert r.json()[0]["errorCode"] == code
    assert "Sforce-Limit-Info" in r.headers


def test_sessions_tokens_and_expiry(make_org: Any) -> None:
    org = make_org(small_world(), TransportFaults.model_validate({"token_ttl": "1h"}))
    anonymous = org.http.get(f"{API}/query", params={"q": "SELECT Id FROM Account"})
    assert anonymous.status_code == 401
    assert anonymous.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert "Sforce-Limit-Info" in anonymous.headers
    assert org.query("SELECT Id FROM Account").status_code == 200
    org.clock.start += timedelta(hours=2)
    expired = org.query("SELECT Id FROM Account")
    assert expired.status_code == 401
    assert expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    grant = {"grant_type": "client_credentials", "client_id": CREDS.client_id}
    bad = org.http.post("/services/oauth2/token", data={**grant, "client_secret": "nope"})
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_client")
    unknown = org.http.post("/services/oauth2/token", data={**grant, "client_id": "other"})
    assert unknown.json()["error"] == "invalid_client_id"
    good = org.http.post(
        "/services/oauth2/token", data={**grant, "client_secret": CREDS.client_secret}
    ).json()
    assert good["token_type"] == "Bearer"
    assert good["instance_url"] == org.base
    assert good["issued_at"] == str(int(org.clock.now().timestamp() * 1000))
    assert {"access_token", "id", "signature"} <= good.keys()


def test_jwt_bearer_flow(make_org: Any) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    creds = SalesforceCredentials(
        client_id="3MVG9-jwt",
        client_secret="x",
        username="int@acme.example",
        jwt_public_key=public.decode(),
    )
    org = make_org(small_world(), creds=creds)

    def grant(signing_key: Any, **claims: Any) -> httpx.Response:
        payload = {
            "iss": creds.client_id,
            "sub": creds.username,
            "aud": creds.jwt_audience,
            "exp": int(time.time()) + 180,
            **claims,
        }
        assertion = jwt.encode(payload, signing_key, algorithm="RS256")
        return org.http.post(
            "/services/oauth2/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
            },
        )

    ok = grant(key)
    assert ok.status_code == 200
    token = ok.json()["access_token"]
    r = org.http.get(
        f"{API}/query",
        params={"q": "SELECT Id FROM Account"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert grant(other_key).json() == {
        "error": "invalid_grant",
        "error_description": "invalid assertion",
    }
    assert grant(key, iss="someone-else").json()["error"] == "invalid_client_id"
    assert grant(key, exp=int(time.time()) - 600).json()["error"] == "invalid_grant"


def test_daily_request_limit(make_org: Any) -> None:
    org = make_org(small_world(), TransportFaults(daily_request_limit=2))
    assert org.query("SELECT Id FROM Account").headers["Sforce-Limit-Info"] == "api-usage=1/2"
    assert org.query("SELECT Id FROM Account").headers["Sforce-Limit-Info"] == "api-usage=2/2"
    refused = org.query("SELECT Id FROM Account")
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert "Retry-After" not in refused.headers
    org.clock.start += timedelta(hours=25)
    assert org.query("SELECT Id FROM Account").status_code == 200


def test_transport_faults_use_salesforce_errors(make_org: Any) -> None:
    limited = make_org(small_world(), TransportFaults(rate_limited=1.0))
    r = limited.query("SELECT Id FROM Account")
    assert r.status_code == 403
    assert r.json() == [
        {
            "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]
    assert "Retry-After" not in r.headers
    assert limited.stats.faults.rate_limited == 1
    failing = make_org(small_world(), TransportFaults(server_errors=1.0))
    statuses = set()
    for _ in range(10):
        r = failing.query("SELECT Id FROM Account")
        statuses.add(r.status_code)
        assert r.json()[0]["errorCode"] in ("UNKNOWN_EXCEPTION", "SERVER_UNAVAILABLE")
    assert statuses == {500, 503}


def test_schema_drift_and_malformed_records(make_org: Any) -> None:
    world = World(accounts=[account(i, T0 - timedelta(hours=i + 1)) for i in range(40)])
    faults = TransportFaults(malformed=0.3, renamed_fields={"ERP_Customer_Id__c": "ERP_Id__c"})
    org = make_org(world, faults)
    records = org.query("SELECT Id, CreatedDate, ERP_Customer_Id__c FROM Account").json()["records"]
    assert all("ERP_Id__c" in r and "ERP_Customer_Id__c" not in r for r in records)
    broken = {r["Id"] for r in records if r["CreatedDate"] == "not-a-date"}
    expected = {a.id for a in world.accounts if malformed(7, 0.3, "salesforce", "Account", a.id)}
    assert broken == expected
    assert 0 < len(broken) < 40
    ids_only = org.query("SELECT Id, Name FROM Account").json()["records"]
    assert sum(r["Id"] is None for r in ids_only) == len(expected)


def test_simple_salesforce_pages_through_query_all(tmp_path: Path) -> None:
    world = World(accounts=[account(i, T0 - timedelta(seconds=i)) for i in range(4500)])
    clock = SimulatedClock(T0)
    app = create_salesforce_app(world, clock, 7, TransportFaults(), CREDS)
    with serve(app, tls_dir=tmp_path) as (base, ca_file):
        session = requests.Session()
        # The environment's CA bundle would override verify=; loopback needs no proxy either.
        session.trust_env = False
        session.verify = str(ca_file)
        token = session.post(
            f"{base}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CREDS.client_id,
                "client_secret": CREDS.client_secret,
            },
        ).json()["access_token"]
        sf = Salesforce(instance_url=base, session_id=token, session=session)
        result = sf.query_all("SELECT Id, Name FROM Account")
        session.close()
    assert result["totalSize"] == 4500
    assert len({r["Id"] for r in result["records"]}) == 4500
    assert app.state.stats.requests["queryMore"] == 2
