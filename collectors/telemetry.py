"""Prometheus instruments of the collectors themselves (created once, at import)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "syncwatch_collector_requests_total",
    "API requests sent by the collectors, by source and HTTP status (or network_error).",
    ["source", "status"],
)
REQUEST_SECONDS = Histogram(
    "syncwatch_collector_request_seconds",
    "Duration of one API request.",
    ["source"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RECORDS = Counter(
    "syncwatch_collector_records_total",
    "Records read from a source (before de-duplication).",
    ["source", "stream"],
)
QUARANTINED = Counter(
    "syncwatch_collector_quarantined_total",
    "Records set aside as unreadable.",
    ["source", "stream"],
)
RETRIES = Counter(
    "syncwatch_collector_retries_total", "Requests retried after a transient failure.", ["source"]
)
RATE_LIMITED = Counter(
    "syncwatch_collector_refused_total", "Requests the source refused as rate-limited.", ["source"]
)
RUNS = Counter(
    "syncwatch_collector_runs_total", "Finished stream runs, by outcome.", ["source", "status"]
)
RUN_SECONDS = Histogram(
    "syncwatch_collector_run_seconds",
    "Duration of one stream run.",
    ["source"],
    buckets=(0.5, 1, 5, 15, 60, 300, 900, 3600),
)
API_USAGE = Gauge(
    "syncwatch_source_api_usage_ratio",
    "Share of the source's daily API allocation in use, as the source reports it.",
    ["source"],
)
