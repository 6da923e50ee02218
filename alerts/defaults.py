"""The built-in rule set: every default flow and metric, owned by the team that acts on it.

Built-in rules name no channel: alerts.routing sends each by its owner and severity.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg

from alerts.freshness import ServiceClock, cadence_limit, freshness_limits
from core.config import Settings
from core.config.alerts import AlertRule
from core.config.flows import Owner
from metrics.flows import FLOWS

SOURCE_UNHEALTHY = "source_unhealthy"
METRICS_STALE = "metrics-stale"
JOB_FAILING = "scheduler-job-failing"
SLA_TARGET = 0.95
ERROR_RATE_LIMIT = 0.05
_MIN = timedelta(minutes=1)
_CRITICAL_FLOWS = {"invoice_billing_to_erp", "payment_billing_to_erp"}


def _rule(name: str, owner: Owner, **fields: Any) -> AlertRule:
    if "for_" in fields:
        fields["for"] = fields.pop("for_")
    return AlertRule.model_validate({"name": name, "owner": owner, **fields})


def root_cause_rules(settings: Settings) -> list[AlertRule]:
    """Rules about syncwatch's own inputs; they stay on even without the defaults."""
    return [
        _rule(
            SOURCE_UNHEALTHY, "integration", metric="collector_healthy", op="<", threshold=1,
            group_by=["source"], severity="critical",
            title="Source unhealthy: its collector's last poll failed",
            summary="Alerts that depend on this source are held as stale until it recovers.",
        ),
        _rule(
            METRICS_STALE, "integration", metric="metric_evaluation_age_seconds", op=">",
            threshold=settings.alerts.stale_after.total_seconds(), severity="critical",
            title="Metrics are not being computed",
            summary="Every business alert is held as stale until the metrics compute runs again.",
        ),
        _rule(
            JOB_FAILING, "integration", metric="scheduler_job_healthy", op="<", threshold=1,
            group_by=["job"], severity="critical", for_=2 * _MIN,
            title="A scheduled job is failing",
            summary="The scheduler keeps running the other jobs; /healthz and the logs say why.",
        ),
    ]  # fmt: skip


def _flow_rules(settings: Settings) -> list[AlertRule]:
    rules: list[AlertRule] = []
    for flow, cfg in settings.flow_settings().items():
        if not cfg.enabled:
            continue
        title = FLOWS[flow].title
        sla = cfg.sla.total_seconds()
        severity = "critical" if flow in _CRITICAL_FLOWS else "warning"
        sel = {"flow": flow}
        rules += [
            _rule(
                f"sla-breaches.{flow}", cfg.owner, metric="sla_breaches", labels=sel, threshold=0,
                for_=15 * _MIN, keep_firing_for=30 * _MIN, severity=severity,
                title=f"{title}: records past their SLA",
            ),
            _rule(
                f"sla-attainment.{flow}", cfg.owner, metric="sla_attainment", labels=sel, op="<",
                threshold=SLA_TARGET, resolve_threshold=SLA_TARGET + 0.02, for_=30 * _MIN,
                keep_firing_for=30 * _MIN, title=f"{title}: SLA attainment below target",
            ),
            _rule(
                f"sync-lag-p95.{flow}", cfg.owner, metric="sync_lag_seconds",
                labels={**sel, "quantile": "p95"}, threshold=sla, resolve_threshold=0.9 * sla,
                for_=15 * _MIN, keep_firing_for=30 * _MIN, title=f"{title}: p95 lag above SLA",
            ),
            _rule(
                f"error-rate.{flow}", "integration", metric="sync_error_rate", labels=sel,
                threshold=ERROR_RATE_LIMIT, resolve_threshold=ERROR_RATE_LIMIT * 0.6,
                for_=15 * _MIN, keep_firing_for=30 * _MIN,
                title=f"{title}: middleware error rate high",
            ),
            _rule(
                f"dead-letters.{flow}", "integration", metric="sync_dead_letters", labels=sel,
                threshold=0, keep_firing_for=30 * _MIN, title=f"{title}: dead-lettered syncs",
            ),
        ]  # fmt: skip
    return rules


def _record_rules(settings: Settings) -> list[AlertRule]:
    owners = settings.metric_owners()
    flows = {n for n, f in settings.flow_settings().items() if f.enabled}
    rules: list[AlertRule] = []
    if "invoice_billing_to_erp" in flows:
        rules += [
            _rule(
                "posting-failures", owners["posting_failures"], metric="posting_failures",
                aggregate="sum", threshold=0, for_=15 * _MIN, keep_firing_for=30 * _MIN,
                severity="critical", title="Invoices failed to post to the ERP",
            ),
            _rule(
                "silent-misses", owners["silent_misses"], metric="silent_misses", aggregate="sum",
                threshold=0, for_=15 * _MIN, keep_firing_for=30 * _MIN, severity="critical",
                title="Invoices missing from the ERP with no middleware log",
            ),
            _rule(
                "amount-mismatches", owners["amount_mismatches"], metric="amount_mismatches",
                threshold=0, keep_firing_for=30 * _MIN,
                title="Invoice totals differ between billing and the ERP",
            ),
        ]  # fmt: skip
    if "payment_billing_to_erp" in flows:
        rules += [
            _rule(
                "payment-posting-failures", owners["payment_posting_failures"],
                metric="payment_posting_failures", aggregate="sum", threshold=0, for_=15 * _MIN,
                keep_firing_for=30 * _MIN, severity="critical",
                title="Payments failed to be applied in the ERP",
            ),
            _rule(
                "payment-silent-misses", owners["payment_silent_misses"],
                metric="payment_silent_misses", aggregate="sum", threshold=0, for_=15 * _MIN,
                keep_firing_for=30 * _MIN, severity="critical",
                title="Payments missing from the ERP with no middleware log",
            ),
        ]  # fmt: skip
    if "amendment_crm_to_billing" in flows:
        rules.append(
            _rule(
                "stuck-amendments", owners["stuck_amendments"], metric="stuck_amendments",
                threshold=0, for_=15 * _MIN, keep_firing_for=30 * _MIN,
                title="Approved amendments not applied in billing",
            )
        )  # fmt: skip
    rules += [
        _rule(
            "unmatched-accounts", owners["unmatched_accounts"], metric="unmatched_accounts",
            threshold=0, for_=60 * _MIN, keep_firing_for=60 * _MIN,
            title="CRM accounts without a customer",
        ),
        _rule(
            "duplicate-customers", owners["duplicate_customers"], metric="duplicate_customers",
            threshold=0, for_=60 * _MIN, keep_firing_for=60 * _MIN, severity="info",
            title="Customers sharing one CRM account",
        ),
        _rule(
            "orphan-customers", owners["orphan_customers"], metric="orphan_customers",
            threshold=0, for_=60 * _MIN, keep_firing_for=60 * _MIN, severity="info",
            title="Customers linked to no live CRM account",
        ),
    ]  # fmt: skip
    return rules


def _collector_rules(settings: Settings, limits: dict[str, timedelta] | None) -> list[AlertRule]:
    known = limits or {}
    return [
        _rule(
            f"collector-freshness.{name}", "integration", metric="collector_freshness_seconds",
            labels={"source": name},
            threshold=(known.get(name) or cadence_limit(settings, name)).total_seconds(),
            severity="critical", title=f"Collector {name} has stopped polling",
        )
        for name, source in settings.sources.items()
        if source.enabled
    ]  # fmt: skip


def default_rules(
    settings: Settings, limits: dict[str, timedelta] | None = None
) -> list[AlertRule]:
    """The built-in business and collector rules for the configured flows and sources.

    A source's freshness rule fires past ``limits[source]`` (see alerts.freshness); without
    measured limits, past the limit of its configured cadence alone.
    """
    return _flow_rules(settings) + _record_rules(settings) + _collector_rules(settings, limits)


def effective_rules(
    settings: Settings, limits: dict[str, timedelta] | None = None
) -> list[AlertRule]:
    """The rules in force: root-cause rules, the defaults if enabled, then configured rules.

    A configured rule replaces a built-in rule of the same name (so a configured freshness
    rule sets an explicit limit for its source).
    """
    built_in = root_cause_rules(settings)
    if settings.alerts.defaults:
        built_in += default_rules(settings, limits)
    configured = {r.name for r in settings.alerts.rules}
    return [r for r in built_in if r.name not in configured] + list(settings.alerts.rules)


def rule_in_force(
    conn: psycopg.Connection[Any], settings: Settings, name: str, now: datetime
) -> AlertRule | None:
    """The rule named ``name`` as an evaluation at ``now`` would judge it (a freshness rule
    with its source's limit from its recent collect times), or None when no rule has it."""
    limits = freshness_limits(conn, settings, ServiceClock(), now)
    return next((r for r in effective_rules(settings, limits) if r.name == name), None)
