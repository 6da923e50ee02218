"""A realistic seeded store for the dashboard's tests and benchmark: sandbox world + computes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Final

from alerts.weekly import build_weekly_report, store_report
from core import users
from core.config import Settings
from core.config.models import Role
from core.database import Database
from core.store.events import append_events
from core.store.records import upsert_records
from metrics.engine import compute
from sandbox.generator import WorldSpec, iter_bundles
from sandbox.profile import Profile
from sandbox.store_loader import rows

NOW: Final = datetime(2026, 11, 20, 12, tzinfo=UTC)
PASSWORD: Final = "correct horse battery"
ROLE_USERS: Final[dict[str, list[Role]]] = {
    "erin": ["executive"],
    "fiona": ["finance"],
    "rory": ["revops"],
    "ivan": ["integration"],
    "ada": ["admin"],
}


def load_world(db: Database, accounts: int, *, seed: int = 7, batch: int = 20_000) -> None:
    """Write a sandbox world as of a week ago and as of NOW, computing after each."""
    spec = WorldSpec(seed=seed, profile=Profile.model_validate({"accounts": accounts}), now=NOW)
    settings = Settings()
    for at in (NOW - timedelta(days=7), NOW - timedelta(days=1), NOW):
        with db.connection() as conn:
            records, events = [], []
            for loaded in rows(iter_bundles(spec), at):
                records += loaded.records
                events += loaded.events
                if len(records) >= batch:
                    with conn.transaction():
                        upsert_records(conn, records, at=at)
                        append_events(conn, events)
                    records, events = [], []
            with conn.transaction():
                upsert_records(conn, records, at=at)
                append_events(conn, events)
        compute(db, settings, at)


def add_operations(db: Database) -> None:
    """Users for every role, collector health, an alert, a silence and a weekly report."""
    with db.connection() as conn:
        for name, roles in ROLE_USERS.items():
            users.add_user(conn, name, PASSWORD, roles, actor="seed", at=NOW)
        for source, healthy in (("salesforce", True), ("stripe", True), ("netsuite", False)):
            conn.execute(
                "INSERT INTO source_health (source, healthy, reason, last_attempt_at, "
                "last_success_at) VALUES (%s, %s, %s, %s, %s)",
                (source, healthy, None if healthy else "HTTP 401 from token endpoint",
                 NOW, NOW - timedelta(minutes=2 if healthy else 90)),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO collector_run (source, stream, started_at, finished_at, status, "
                "pages, records, api_calls, rate_limited, error) "
                "VALUES (%s, 'main', %s, %s, %s, 3, 120, 4, 1, %s)",
                (source, NOW - timedelta(minutes=1), NOW,
                 "success" if healthy else "failed", None if healthy else "unauthorized"),
            )  # fmt: skip
        conn.execute(
            "INSERT INTO quarantine (source, object_type, external_id, reason, payload, "
            "payload_key) VALUES ('stripe', 'invoice', 'in_bad', 'total is not a number', "
            "'{}', '\\x01')"
        )
        conn.execute(
            "INSERT INTO alert (fingerprint, rule, labels, state, severity, value, active_since, "
            "firing_since) VALUES ('f1', 'posting-failures', %s, 'firing', 'critical', 12, %s, %s)",
            (json.dumps({"flow": "invoice_billing_to_erp"}), NOW, NOW),
        )
        store_report(conn, build_weekly_report(conn, Settings(), None, NOW))


def seed(db: Database, accounts: int = 300) -> None:
    """A small but realistic store: world, three computes and the operational tables."""
    load_world(db, accounts)
    add_operations(db)
