"""Integration reads: flow health, lag and backlog over time, failing records by error code,
collectors, alerts, silences."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Final

from app.queries import error_groups, fx
from app.queries.core import Frame, Query, Window, load
from app.queries.metric_sql import HISTORY, LATEST_WITH_PRIOR, OPEN_ITEMS, SOURCE_STATE_JOINS
from core.fx.convert import FxTotal
from core.roles import Identity
from metrics.failing_records import flow_params

HEALTH_METRICS: Final = [
    "sync_lag_seconds",
    "sync_error_rate",
    "sync_retry_rate",
    "sync_dead_letters",
    "sync_attempts",
    "sync_backlog",
    "sync_backlog_oldest_seconds",
]
INTEGRATION_ITEMS: Final = ["sync_backlog", "sla_breaches", "clock_skew_items"]
LAG_PARAMS: Final = {"names": ["sync_lag_seconds"], "quantiles": ["p95"]}
BACKLOG_PARAMS: Final = {"names": ["sync_backlog"]}

LAG = Query("integration.lag", "integration", HISTORY)
BACKLOG = Query("integration.backlog", "integration", HISTORY)
ITEMS = Query("integration.items", "integration", OPEN_ITEMS)
HEALTH = Query("integration.health", "integration", LATEST_WITH_PRIOR)
FX_RATES = fx.rates_query("integration")
# Health and freshness are their metrics' one SQL definitions, evaluated at the window's end
# (``now``): a run left by a dead process shows at once, as in alerts and the exporter.
COLLECTORS = Query(
    "integration.collectors",
    "integration",
    f"""
    SELECT h.source, coalesce(ok.value = 1, h.healthy) AS healthy, h.reason, h.last_success_at,
           h.last_attempt_at, f.value AS freshness_seconds,
           r.stream AS last_stream, r.status AS last_status, r.records AS last_records,
           r.api_calls AS last_api_calls, r.rate_limited AS last_rate_limited,
           r.error AS last_error,
           (SELECT count(*) FROM quarantine q WHERE q.source = h.source) AS quarantined
    FROM source_health h
    {SOURCE_STATE_JOINS}
    LEFT JOIN LATERAL (
        SELECT stream, status, records, api_calls, rate_limited, error FROM collector_run c
        WHERE c.source = h.source ORDER BY c.started_at DESC LIMIT 1
    ) r ON true
    WHERE %(system)s::text IS NULL OR h.source = %(system)s
    ORDER BY h.source
    """,
)
ALERTS = Query(
    "integration.alerts",
    "alerts",
    """
    SELECT id, rule, state, severity, labels, value, unit, active_since, firing_since,
           last_evaluated_at,
           CASE WHEN o.open THEN acknowledged_by END AS acknowledged_by,
           CASE WHEN o.open THEN acknowledged_at END AS acknowledged_at,
           CASE WHEN o.open THEN assigned_to END AS assigned_to, o.open, flapping_since
    FROM alert
    -- An open incident (firing, or stale while firing); a closed one's acknowledgement is history.
    CROSS JOIN LATERAL (
        SELECT state = 'firing' OR (state = 'stale' AND firing_since IS NOT NULL) AS open
    ) o
    WHERE state IN ('firing', 'pending', 'stale') OR flapping_since IS NOT NULL
    ORDER BY CASE state WHEN 'firing' THEN 0 WHEN 'stale' THEN 1 ELSE 2 END, active_since
    """,
)
SILENCES = Query(
    "integration.silences",
    "alerts",
    """
    SELECT id, matchers, reason, created_by, starts_at, ends_at, expired_by
    FROM silence WHERE ends_at > %(now)s AND expired_by IS NULL
    ORDER BY ends_at
    """,
)


def lag(identity: Identity | None, window: Window) -> Frame:
    """Lag p95 per flow over the window."""
    return load(identity, LAG, window.params(**LAG_PARAMS))


def backlog(identity: Identity | None, window: Window) -> Frame:
    """Open backlog per flow over the window."""
    return load(identity, BACKLOG, window.params(**BACKLOG_PARAMS))


def health(identity: Identity | None, window: Window) -> Frame:
    """Latest lag, error, retry, dead-letter and backlog figures per flow."""
    return load(identity, HEALTH, window.params(names=HEALTH_METRICS))


def items(identity: Identity | None, window: Window) -> Frame:
    """Open backlog, SLA-breach and clock-skew items, largest amounts first."""
    return load(identity, ITEMS, window.params(metrics=INTEGRATION_ITEMS))


def collectors(identity: Identity | None, window: Window) -> Frame:
    """Health, freshness at the window's end, last run and quarantine count of every source."""
    return load(identity, COLLECTORS, window.params(now=window.until))


def total(
    identity: Identity | None, amounts: Iterable[tuple[int, str]], currency: str, as_of: date
) -> FxTotal:
    """Amounts of several currencies as one total in ``currency`` at ECB rates."""
    return fx.total(identity, FX_RATES, amounts, currency, as_of)


def alerts(identity: Identity | None, window: Window) -> Frame:
    """Firing, stale and pending alerts, who acknowledged them, and which are open incidents."""
    return load(identity, ALERTS, window.params())


def silences(identity: Identity | None, window: Window, now: datetime) -> Frame:
    """Silences in force now."""
    return load(identity, SILENCES, window.params(now=now))


def query_list(
    flows: list[str], now: datetime, group: tuple[str, str | None]
) -> list[tuple[Query, dict[str, object]]]:
    """Every integration query with its extra parameters (for the benchmark); ``group`` is the
    (target system, error code) whose failing records the drill-down reads."""
    return [
        (ALERTS, {}),
        (HEALTH, {"names": HEALTH_METRICS}),
        (LAG, dict(LAG_PARAMS)),
        (BACKLOG, dict(BACKLOG_PARAMS)),
        (COLLECTORS, {"now": now}),
        (error_groups.GROUPS, flow_params(flows)),
        (FX_RATES, {"as_of": now.date()}),
        (error_groups.RECORDS, flow_params(flows, group)),
        (ITEMS, {"metrics": INTEGRATION_ITEMS}),
        (SILENCES, {"now": now}),
    ]
