"""Admission: text the store cannot hold is cleaned or quarantined, and the limits hold."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from collectors.admission import admit
from collectors.base import Page
from collectors.runner import collect_source
from collectors.zendesk.connector import build_connector
from core.clock import Clock
from core.config import ConfigError, load_settings
from core.config.sources import MiddlewareLogSource, RecordLimits, ZendeskSource
from core.database import Database
from core.store.deletions import Deletion, PresentKeys
from core.store.records import CanonicalRecord
from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import SandboxCredentials
from sandbox.generator import WorldSpec, generate_world
from sandbox.zendesk.app import WITHHELD, create_zendesk_app
from testkit.running_sandbox import NOW, profile_with
from testkit.servers import running_app

LIMITS = RecordLimits()
TOKEN_ENV = "SYNCWATCH_TEST_ZENDESK_TOKEN"


def record(external_id: str = "001", **changes: Any) -> CanonicalRecord:
    base = CanonicalRecord(
        system="salesforce",
        object_type="account",
        external_id=external_id,
        payload={"Id": external_id, "Name": "Acme"},
        name="Acme",
    )
    return replace(base, **changes)


def admitted(*records: CanonicalRecord, limits: RecordLimits = LIMITS) -> Page:
    page = Page("crm", "account", records=list(records))
    admit(page, limits)
    return page


def test_a_nul_in_free_text_or_json_is_replaced_and_counted() -> None:
    page = admitted(
        record(name="Ac\x00me", payload={"Id": "001", "Name": "Ac\x00me", "n\x00": ["\ud800"]})
    )
    assert not page.quarantined and page.cleaned == 4
    (stored,) = page.records
    assert stored.name == "Ac\ufffdme"
    assert stored.payload == {"Id": "001", "Name": "Ac\ufffdme", "n\ufffd": ["\ufffd"]}


def test_a_key_the_store_cannot_hold_or_over_the_limit_is_quarantined() -> None:
    page = admitted(
        record("0\x001"),
        record("x" * 100_000),
        record("002", account_ref="a" * 256),
        record("003"),
    )
    assert [r.external_id for r in page.records] == ["003"]
    reasons = [q.reason for q in page.quarantined]
    assert reasons == [
        "field 'external_id' holds U+0000 at character 1, which the store cannot hold in a key",
        "field 'external_id' is 100,000 characters long, over max_id_chars (255)",
        "field 'account_ref' is 256 characters long, over max_id_chars (255)",
    ]
    assert page.quarantined[2].external_id == "002"


def test_text_over_max_field_chars_is_quarantined_wherever_it_is() -> None:
    limits = RecordLimits(max_field_chars=100)
    page = admitted(
        record("1", name="n" * 101),
        record("2", payload={"Id": "2", "fields": [{"assignee": "a" * 50_000}]}),
        record("3", payload={"Id": "3", "notes": "n" * 100}),
        limits=limits,
    )
    assert [r.external_id for r in page.records] == ["3"]
    assert [q.reason for q in page.quarantined] == [
        "field 'name' is 101 characters long, over max_field_chars (100)",
        "field 'payload.fields[0].assignee' is 50,000 characters long, over max_field_chars (100)",
    ]


def test_deletions_and_listings_with_impossible_ids() -> None:
    page = Page(
        "crm",
        "account",
        deletions=[
            Deletion("salesforce", "account", "d\x00"),
            Deletion("salesforce", "account", "d"),
        ],
        present=PresentKeys("salesforce", "account", frozenset({"a", "b\x00", "c" * 300})),
    )
    admit(page, LIMITS)
    assert [d.external_id for d in page.deletions] == ["d"]
    assert [q.external_id for q in page.quarantined] == ["d\x00"]
    assert page.present is not None and page.present.ids == frozenset({"a"})


SOURCE = """
sources:
  tickets:
    type: zendesk
    base_url: http://127.0.0.1:2
    email: a@b.c
    api_token_env: TOKEN
    {key}: {value}
  logs:
    type: middleware_logs
    path: /tmp/none/*.jsonl
"""


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("max_field_chars", "0", "input should be greater than or equal to 100 (got 0)"),
        ("max_id_chars", "100000", "input should be less than or equal to 512 (got 100000)"),
        ("max_id_chars", "many", "input should be a valid integer"),
    ],
)
def test_the_config_refuses_nonsense_limits_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: str, message: str
) -> None:
    monkeypatch.setenv("TOKEN", "t")
    path = tmp_path / "syncwatch.yaml"
    path.write_text(SOURCE.format(key=key, value=value), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value).startswith(f"{path}: sources.tickets.{key}: {message}")


def test_log_lines_have_their_own_limit_and_the_defaults_are_sane(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN", "t")
    path = tmp_path / "syncwatch.yaml"
    path.write_text(
        SOURCE.format(key="max_field_chars", value="200") + "    max_line_bytes: 12\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (
        f"{path}: sources.logs.max_line_bytes: input should be greater than or equal to 1024 "
        "(got 12)"
    )
    path.write_text(SOURCE.format(key="max_field_chars", value="200"), encoding="utf-8")
    sources = load_settings(path).sources
    assert (sources["tickets"].max_field_chars, sources["tickets"].max_id_chars) == (200, 255)
    logs = sources["logs"]
    assert isinstance(logs, MiddlewareLogSource)
    assert (logs.max_line_bytes, logs.max_field_chars, logs.max_id_chars) == (2**20, 10_000, 255)


@pytest.fixture
def tampered(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[World, str]]:
    """The Zendesk simulator over a world with a NUL, a huge subject and a huge key in it."""
    spec = WorldSpec(
        seed=11, profile=profile_with(accounts=20, zendesk_export_per_minute=10_000), now=NOW
    )
    world = generate_world(spec)
    orgs, tickets = world.organizations, world.tickets
    orgs[0] = replace(orgs[0], name="Acme\x00 Holdings")
    orgs[1] = replace(orgs[1], external_id="0" * 300)
    # The first ticket the export serves (a ticket updated in the last minute is withheld).
    served = next(i for i, t in enumerate(tickets) if t.updated(NOW) <= NOW - WITHHELD)
    tickets.insert(0, tickets.pop(served))
    tickets[0] = replace(tickets[0], subject="s" * 50_000)
    credentials = SandboxCredentials()
    app = create_zendesk_app(
        world,
        SimulatedClock(NOW, 0.0),
        spec.seed,
        spec.profile.transport_for("zendesk"),
        credentials.zendesk.email,
        credentials.zendesk.api_token,
        export_per_minute=spec.profile.zendesk_export_per_minute,
    )
    monkeypatch.setenv(TOKEN_ENV, credentials.zendesk.api_token)
    with running_app(app) as url:
        yield world, url


def test_records_from_the_api_are_cleaned_or_quarantined(
    db: Database, tampered: tuple[World, str]
) -> None:
    world, url = tampered
    settings = ZendeskSource.model_validate(
        {
            "type": "zendesk",
            "base_url": url,
            "email": SandboxCredentials().zendesk.email,
            "api_token_env": TOKEN_ENV,
            "exports_per_minute": 6000,
        }
    )
    clock = Clock(NOW)
    connector = build_connector("tickets", settings, clock=clock)
    try:
        outcome = collect_source(db, connector, clock=clock)
    finally:
        connector.close()
    assert outcome.healthy, outcome.problems
    nul_org, long_key_org = world.organizations[0], world.organizations[1]
    long_ticket = world.tickets[0]
    with db.connection() as conn:
        name = conn.execute(
            "SELECT name, payload ->> 'name' FROM source_record "
            "WHERE object_type = 'organization' AND external_id = %s",
            (str(nul_org.id),),
        ).fetchone()
        stored = {
            row[0]
            for row in conn.execute(
                "SELECT external_id FROM source_record WHERE external_id = ANY(%s)",
                ([str(long_key_org.id), str(long_ticket.id)],),
            )
        }
        quarantined = conn.execute(
            "SELECT object_type, external_id, reason, length(payload) FROM quarantine "
            "ORDER BY object_type"
        ).fetchall()
        runs = conn.execute("SELECT stream, status, cleaned FROM collector_run").fetchall()
    assert name == ("Acme\ufffd Holdings", "Acme\ufffd Holdings")
    assert stored == set()
    assert [(q[0], q[1], q[2]) for q in quarantined] == [
        (
            "organization",
            str(long_key_org.id),
            "field 'account_ref' is 300 characters long, over max_id_chars (255)",
        ),
        (
            "ticket",
            str(long_ticket.id),
            "field 'name' is 50,000 characters long, over max_field_chars (10,000)",
        ),
    ]
    assert quarantined[1][3] < 17_000, "the quarantine keeps an excerpt, not 50,000 characters"
    assert sorted(runs) == [("organizations", "success", 2), ("tickets", "success", 0)]
