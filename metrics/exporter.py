"""Prometheus exporter: business metrics read from the store at scrape time, plus /healthz.

One custom collector turns the latest compute into gauges (``syncwatch_<metric>`` with the
metric's labels; never record ids), next to the process's own collector and scheduler
instruments from the default registry.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import psycopg
from prometheus_client import REGISTRY, CollectorRegistry, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.clock import Clock, format_instant
from core.database import Database
from core.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)

_LATEST = """
SELECT s.name, s.labels, p.value, s.unit, e.ts
FROM metric_evaluation e
JOIN metric_point p ON p.ts = e.ts
JOIN metric_series s ON s.id = p.series_id
WHERE e.ts = (SELECT max(ts) FROM metric_evaluation)
ORDER BY s.name
"""

_UNIT_SUFFIX = {"seconds": "_seconds", "ratio": "_ratio", "minor": "_minor_units"}


def gauge_name(metric: str, unit: str) -> str:
    """The exported name: prefixed, with the unit as suffix unless the name already says it."""
    suffix = _UNIT_SUFFIX.get(unit, "")
    name = metric if metric.endswith(suffix) else metric + suffix
    return f"syncwatch_{name}"


class StoreCollector(Collector):
    """Reads the latest computed metric values on every scrape."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: the metric set is whatever the latest compute produced."""
        return []

    def collect(self) -> Iterable[Metric]:
        """One gauge family per metric; nothing (and a logged warning) if the store is down."""
        try:
            with self.db.connection() as conn:
                rows = conn.execute(_LATEST).fetchall()
        except (psycopg.Error, DatabaseUnavailableError) as exc:
            log.warning("metrics scrape could not read the store: %s", exc)
            return []
        return list(_families(rows))


def _families(rows: list[tuple[Any, ...]]) -> Iterator[Metric]:
    families: dict[str, GaugeMetricFamily] = {}
    for name, labels, value, unit, _ in rows:
        key = gauge_name(name, unit)
        family = families.get(key)
        if family is None:
            family = GaugeMetricFamily(
                key, f"syncwatch {name} ({unit}) from the latest compute", labels=sorted(labels)
            )
            families[key] = family
        family.add_metric([labels[k] for k in sorted(labels)], value)
    if rows:
        evaluated = GaugeMetricFamily(
            "syncwatch_last_compute_timestamp_seconds", "When the latest compute ran."
        )
        evaluated.add_metric([], rows[0][4].timestamp())
        yield evaluated
    yield from families.values()


def health(db: Database, clock: Clock) -> tuple[bool, dict[str, Any]]:
    """Database reachability and every source's and job's freshness."""
    now = clock.now()
    try:
        with db.connection() as conn:
            sources = conn.execute(
                "SELECT source, healthy, reason, last_success_at FROM source_health ORDER BY 1"
            ).fetchall()
            jobs = conn.execute(
                "SELECT job, healthy, reason, last_success_at FROM job_health ORDER BY 1"
            ).fetchall()
    except (psycopg.Error, DatabaseUnavailableError) as exc:
        return False, {"database": "unreachable", "error": str(exc)}

    def entry(healthy: bool, reason: str | None, last: Any) -> dict[str, Any]:
        return {
            "healthy": healthy,
            "reason": reason,
            "last_success": format_instant(last) if last else None,
            "freshness_seconds": round((now - last).total_seconds()) if last else None,
        }

    return True, {
        "database": "ok",
        "sources": {s: entry(h, r, last) for s, h, r, last in sources},
        "jobs": {j: entry(h, r, last) for j, h, r, last in jobs},
    }


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would drown the log."""


def exporter_app(db: Database, clock: Clock, registry: CollectorRegistry = REGISTRY) -> Any:
    """A WSGI app serving /metrics (Prometheus text) and /healthz (JSON)."""
    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            ok, body = health(db, clock)
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if environ.get("PATH_INFO") in ("/metrics", "/"):
            return metrics_app(environ, start_response)  # type: ignore[no-any-return]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics or /healthz\n"]

    return app


def serve_exporter(
    db: Database, clock: Clock, host: str, port: int, registry: CollectorRegistry = REGISTRY
) -> WSGIServer:
    """Start the exporter on a daemon thread; the caller shuts it down."""
    registry.register(StoreCollector(db))
    server = make_server(host, port, exporter_app(db, clock, registry), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True, name="exporter").start()
    return server
