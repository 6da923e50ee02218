"""Collector health and freshness: one SQL definition, read live by alerts, page and exporter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd  # type: ignore[import-untyped]
import pytest
import streamlit as st
from prometheus_client import CollectorRegistry

from alerts.freshness import ServiceClock, freshness_limits
from alerts.measurements import measure
from app.queries import integration
from app.queries.core import Window
from collectors.health import record_health
from core.clock import Clock
from core.config import Settings
from core.database import Database
from core.roles import Identity
from metrics.engine import compute
from metrics.exporter import StoreCollector

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SETTINGS = Settings.model_validate(
    {
        "sources": {
            "billing": {"type": "stripe", "api_key_env": "STRIPE_KEY"},
            "logs": {"type": "middleware_logs", "path": "/tmp/none/*.jsonl"},
            "tickets": {
                "type": "zendesk",
                "base_url": "http://127.0.0.1:2",
                "email": "a@b.c",
                "api_token_env": "Z",
            },
        }
    }
)


def poll(db: Database, source: str, at: datetime, *, healthy: bool = True) -> None:
    """Record one poll of ``source`` at ``at``."""
    with db.connection() as conn:
        record_health(conn, source, healthy=healthy, reason=None if healthy else "HTTP 401", at=at)


def exported(registry: CollectorRegistry, metric: str, source: str) -> float | None:
    """The value a scrape of ``registry`` gives ``syncwatch_<metric>{source=…}``."""
    return registry.get_sample_value(f"syncwatch_{metric}", {"source": source})


@pytest.fixture
def dashboard(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The dashboard's queries pointed at the test store."""
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.delenv("SYNCWATCH_CONFIG", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield db
    st.cache_resource.clear()
    st.cache_data.clear()


def test_exported_health_and_freshness_move_at_scrape_time_without_a_compute(
    db: Database,
) -> None:
    poll(db, "billing", NOW - 2 * MINUTE)
    poll(db, "tickets", NOW - MINUTE, healthy=False)
    compute(db, SETTINGS, NOW)
    clock = Clock(NOW)
    registry = CollectorRegistry()
    registry.register(StoreCollector(db, clock))
    assert exported(registry, "collector_freshness_seconds", "billing") == 120
    assert exported(registry, "collector_freshness_seconds", "tickets") is None
    assert exported(registry, "collector_healthy", "billing") == 1

    # Computes stop; time and the collectors go on.
    clock.start = NOW + 10 * MINUTE
    poll(db, "billing", NOW + 9 * MINUTE, healthy=False)
    assert exported(registry, "collector_freshness_seconds", "billing") == 720
    assert exported(registry, "collector_healthy", "billing") == 0
    assert registry.get_sample_value("syncwatch_last_compute_timestamp_seconds") == (
        NOW.timestamp()
    )
    clock.start = NOW + 70 * MINUTE
    assert exported(registry, "collector_freshness_seconds", "billing") == 4320


def test_alerts_the_integration_page_and_the_exporter_agree(dashboard: Database) -> None:
    db = dashboard
    poll(db, "billing", NOW - 3 * 60 * MINUTE)
    poll(db, "billing", NOW - 5 * MINUTE, healthy=False)
    poll(db, "logs", NOW - MINUTE)
    poll(db, "tickets", NOW - MINUTE, healthy=False)
    compute(db, SETTINGS, NOW)
    at = NOW + 7 * MINUTE

    with db.connection() as conn:
        service = ServiceClock()
        limits = freshness_limits(conn, SETTINGS, service, at)
        measured = measure(conn, SETTINGS, [], at, limits=limits, service=service).values
    alerts = {(v.name, v.labels["source"]): v.value for v in measured if "source" in v.labels}
    registry = CollectorRegistry()
    registry.register(StoreCollector(db, Clock(at)))
    window = Window(until=at, span=timedelta(days=1))
    page = integration.collectors(Identity("ivan", frozenset({"integration"})), window)
    shown = {row.source: row for row in page.itertuples()}

    assert alerts == {
        ("collector_healthy", "billing"): 0.0,
        ("collector_healthy", "logs"): 1.0,
        ("collector_healthy", "tickets"): 0.0,
        ("collector_freshness_seconds", "billing"): 187 * 60.0,
        ("collector_freshness_seconds", "logs"): 8 * 60.0,
    }
    for source in ("billing", "logs", "tickets"):
        freshness = alerts.get(("collector_freshness_seconds", source))
        assert exported(registry, "collector_freshness_seconds", source) == freshness
        assert (
            exported(registry, "collector_healthy", source) == alerts["collector_healthy", source]
        )
        assert float(shown[source].healthy) == alerts["collector_healthy", source]
        if freshness is None:
            assert pd.isna(shown[source].freshness_seconds)
        else:
            assert shown[source].freshness_seconds == freshness
