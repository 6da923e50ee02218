"""Prometheus exporter: business metrics read from the store at scrape time, plus /healthz.

One custom collector turns the latest compute into gauges (``syncwatch_<metric>`` with the
metric's labels; never record ids) and evaluates collector health and freshness at the scrape
(metrics.live), so they keep moving when computes stop; next to it sit the process's own
collector and scheduler instruments from the default registry.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import psycopg
from prometheus_client import REGISTRY, CollectorRegistry, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.clock import Clock, format_instant
from core.database import Database
from core.errors import DatabaseUnavailableError
from metrics.live import live_metrics, live_values
from metrics.results import latest_evaluation
from metrics.values import MetricValue

log = logging.getLogger(__name__)

_LATEST = """
SELECT s.name, s.labels, p.value, s.unit
FROM metric_point p
JOIN metric_series s ON s.id = p.series_id
WHERE p.ts = %(ts)s AND s.name <> ALL (%(live)s::text[])
ORDER BY s.name
"""

_UNIT_SUFFIX = {"seconds": "_seconds", "ratio": "_ratio", "minor": "_minor_units"}


def gauge_name(metric: str, unit: str) -> str:
    """The exported name: prefixed, with the unit as suffix unless the name already says it."""
    suffix = _UNIT_SUFFIX.get(unit, "")
    name = metric if metric.endswith(suffix) else metric + suffix
    return f"syncwatch_{name}"


class StoreCollector(Collector):
    """Reads the latest computed metric values, and the live ones as of now, on every scrape."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: the metric set is whatever the store holds at the scrape."""
        return []

    def collect(self) -> Iterable[Metric]:
        """One gauge family per metric; nothing (and a logged warning) if the store is down."""
        try:
            with self.db.connection() as conn:
                evaluated = latest_evaluation(conn)
                rows = conn.execute(
                    _LATEST, {"ts": evaluated, "live": list(live_metrics())}
                ).fetchall()
                live = live_values(conn, self.clock.now())
        except (psycopg.Error, DatabaseUnavailableError) as exc:
            log.warning("metrics scrape could not read the store: %s", exc)
            return []
        computed = [MetricValue(n, dict(labels), float(v), unit) for n, labels, v, unit in rows]
        return list(_families(evaluated, computed, live))


def _families(
    evaluated: datetime | None, computed: list[MetricValue], live: list[MetricValue]
) -> Iterator[Metric]:
    families: dict[str, GaugeMetricFamily] = {}
    for values, origin in ((computed, "from the latest compute"), (live, "at scrape time")):
        for v in values:
            key = gauge_name(v.name, v.unit)
            family = families.get(key)
            if family is None:
                family = GaugeMetricFamily(
                    key, f"syncwatch {v.name} ({v.unit}) {origin}", labels=sorted(v.labels)
                )
                families[key] = family
            family.add_metric([v.labels[k] for k in sorted(v.labels)], v.value)
    if evaluated is not None:
        stamp = GaugeMetricFamily(
            "syncwatch_last_compute_timestamp_seconds", "When the latest compute ran."
        )
        stamp.add_metric([], evaluated.timestamp())
        yield stamp
    yield from families.values()


UNRECORDED_FAILURE = (
    "a run failed or was abandoned since the last recorded poll (see the source's runs)"
)


def health(db: Database, clock: Clock) -> tuple[bool, dict[str, Any]]:
    """Database reachability and every source's and job's freshness.

    A source's health is ``collector_healthy`` as of now, the definition the alerts and the
    gauges read; its reason is the last poll's, or says that a run failed since then.
    """
    now = clock.now()
    try:
        with db.connection() as conn:
            sources = conn.execute(
                "SELECT source, healthy, reason, last_success_at FROM source_health ORDER BY 1"
            ).fetchall()
            jobs = conn.execute(
                "SELECT job, healthy, reason, last_success_at FROM job_health ORDER BY 1"
            ).fetchall()
            live = live_values(conn, now)
    except (psycopg.Error, DatabaseUnavailableError) as exc:
        return False, {"database": "unreachable", "error": str(exc)}
    freshness = {
        v.labels["source"]: v.value for v in live if v.name == "collector_freshness_seconds"
    }
    live_health = {v.labels["source"]: v.value == 1 for v in live if v.name == "collector_healthy"}

    def entry(healthy: bool, reason: str | None, last: Any, fresh: float | None) -> dict[str, Any]:
        return {
            "healthy": healthy,
            "reason": reason,
            "last_success": format_instant(last) if last else None,
            "freshness_seconds": None if fresh is None else round(fresh),
        }

    def job_freshness(last: datetime | None) -> float | None:
        return (now - last).total_seconds() if last else None

    recorded = {s: (h, r, last) for s, h, r, last in sources}
    for source in live_health.keys() - recorded.keys():
        recorded[source] = (True, None, None)  # its first poll died before recording health
    return True, {
        "database": "ok",
        "sources": {
            s: entry(
                live_health.get(s, h),
                UNRECORDED_FAILURE if h and not live_health.get(s, h) else r,
                last,
                freshness.get(s),
            )
            for s, (h, r, last) in sorted(recorded.items())
        },
        "jobs": {j: entry(h, r, last, job_freshness(last)) for j, h, r, last in jobs},
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
    registry.register(StoreCollector(db, clock))
    server = make_server(host, port, exporter_app(db, clock, registry), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True, name="exporter").start()
    return server
