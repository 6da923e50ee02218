"""Which sources a metric's data comes from, so a sick source holds its dependents as stale.

Dependencies are stated as source *types*; they are resolved against the configured sources'
``type`` so a tenant that names its Stripe source ``billing`` still gets the right answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config import Settings
from metrics.flows import FLOWS

LOGS = "middleware_logs"

# Metrics whose data does not depend on the flow label alone.
_METRIC_TYPES: dict[str, frozenset[str]] = {
    "posting_failures": frozenset({"stripe", "netsuite", LOGS}),
    "posting_failures_amount": frozenset({"stripe", "netsuite", LOGS}),
    "silent_misses": frozenset({"stripe", "netsuite", LOGS}),
    "silent_misses_amount": frozenset({"stripe", "netsuite", LOGS}),
    "payment_posting_failures": frozenset({"stripe", "netsuite", LOGS}),
    "payment_posting_failures_amount": frozenset({"stripe", "netsuite", LOGS}),
    "payment_silent_misses": frozenset({"stripe", "netsuite", LOGS}),
    "payment_silent_misses_amount": frozenset({"stripe", "netsuite", LOGS}),
    "amount_mismatches": frozenset({"stripe", "netsuite"}),
    "amount_mismatches_amount": frozenset({"stripe", "netsuite"}),
    "stuck_amendments": frozenset({"salesforce", "stripe"}),
    "stuck_amendments_amount": frozenset({"salesforce", "stripe"}),
    "sync_attempts": frozenset({LOGS}),
    "sync_error_rate": frozenset({LOGS}),
    "sync_retry_rate": frozenset({LOGS}),
    "sync_dead_letters": frozenset({LOGS}),
}
# Flow metrics: the flow's source and target systems.
_FLOW_METRICS = {
    "sla_breaches",
    "sla_breaches_amount",
    "sla_attainment",
    "sync_lag_seconds",
    "sync_backlog",
    "sync_backlog_amount",
    "sync_backlog_oldest_seconds",
    "clock_skew_items",
}
# Identity metrics: the CRM plus the system named by the ``system`` label.
_IDENTITY_METRICS = {
    "unmatched_accounts",
    "unmatched_accounts_arr",
    "orphan_customers",
    "duplicate_customers",
}


def source_types(metric: str, labels: dict[str, str]) -> frozenset[str]:
    """The source types whose collected data a metric series is computed from."""
    if metric in _METRIC_TYPES:
        return _METRIC_TYPES[metric]
    if metric in _FLOW_METRICS:
        flows = [FLOWS[f] for f in FLOWS if labels.get("flow") in (None, f)]
        return frozenset(s for f in flows for s in (f.source_system, f.target_system))
    if metric in _IDENTITY_METRICS:
        systems = {labels["system"]} if "system" in labels else {"netsuite", "stripe"}
        return frozenset({"salesforce", *systems})
    # Collector metrics describe the sources themselves: they are the root cause, not a dependent.
    return frozenset()


def dependent_sources(settings: Settings, metric: str, labels: dict[str, str]) -> list[str]:
    """Names of the enabled configured sources a metric series depends on."""
    types = source_types(metric, labels)
    return sorted(n for n, s in settings.sources.items() if s.enabled and s.type in types)


@dataclass(frozen=True, slots=True)
class SourceState:
    """A source's health as the alert engine sees it."""

    source: str
    healthy: bool
    reason: str | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None = None


def staleness(
    settings: Settings, state: SourceState | None, source: str, now: datetime, limit: timedelta
) -> str | None:
    """Why a configured source's data cannot be trusted at ``now``, or None when it can.

    Data is stale once the source has gone ``limit`` without a successful poll (see
    alerts.freshness for how the limit follows the source's cadence). The reason names no
    limit: it moves with the collect durations, and a reason that changes is news in Slack.
    """
    kind = settings.sources[source].type
    if state is None:
        return f"source {source} ({kind}) has never been polled"
    if not state.healthy:
        return f"source {source} ({kind}) is unhealthy: {state.reason or 'last poll failed'}"
    if state.last_success_at is None:
        return f"source {source} ({kind}) has never been polled successfully"
    if now - state.last_success_at > limit:
        return (
            f"source {source} ({kind}) has not been polled successfully since "
            f"{state.last_success_at.isoformat()}"
        )
    return None
