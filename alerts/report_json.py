"""The weekly report as a JSON document for other systems (``report weekly --format json``).

The keys are stable; a change that removes or renames one raises ``schema``. Amounts are
decimal strings in the currency's major unit beside their ISO 4217 code (``{"amount":
"12000.00", "currency": "USD"}``, ``{"amount": "5000000", "currency": "JPY"}``), instants ISO
8601 in UTC (``2026-11-15T23:00:00Z``), days ISO dates, durations seconds. A figure that was not
measured, or a total nothing converts into, is ``null``, never zero.

``{"report": "weekly_sync_health", "schema": 1, "week", "previous_week", "timezone",
"period": {"start", "end"}, "generated_at",``

- ``"flows": [{"flow", "sla_attainment", "sla_attainment_previous", "lag_p95_seconds",
  "lag_p95_seconds_previous"}]`` (weekly means; attainment a ratio 0 to 1);
- ``"at_week_end": [{"metric", "labels", "count", "count_previous", "amounts",
  "amounts_previous", "total"}]``: the metric levels at the end of each week;
- ``"changes": [{"metric", "labels", "this_week", "previous_week"}]``, each week ``{"new",
  "fixed", "still_open"}`` of ``{"count", "amounts", "total"}`` (``null`` for reports stored
  before changes were recorded);
- ``"new_risks": [{"system", "object_type", "external_id", "name", "customer", "metrics",
  "amount", "amount_reporting", "found_at", "since", "age_seconds", "owner", "assignee"}]``
  (``age_seconds``: from ``since`` to the end of the week; ``null`` list as for changes);
- ``"top_exceptions": [{"system", "object_type", "external_id", "metrics", "amount", "since",
  "owner"}]``: the largest open at the end of the week, five per currency;
- ``"alerts": {"fired", "fired_previous", "fired_by_severity", "acknowledged", "mtta_seconds",
  "resolved", "mttr_seconds"}}``.

A ``total`` is ``{"amount", "currency", "as_of", "rate_date", "left_out"}``: the amounts in the
reporting currency at the ECB rates of ``rate_date`` (the latest on or before ``as_of``), the
currencies in ``left_out`` having no rate that day.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Final

from alerts.messages import Money
from alerts.weekly import Level, WeeklyReport
from alerts.weekly_changes import Figure, MetricChange, WeekChanges
from alerts.weekly_risks import NewRisk
from alerts.weekly_totals import Total
from core.clock import format_instant
from core.money import from_minor

SCHEMA: Final = 1


def _decimal(amount_minor: int, currency: str) -> str:
    return f"{from_minor(amount_minor, currency):f}"


def amount(money: Money) -> dict[str, str]:
    """``{"amount": "12000.00", "currency": "USD"}``."""
    return {"amount": _decimal(money.amount_minor, money.currency), "currency": money.currency}


def _total(total: Total | None) -> dict[str, Any] | None:
    if total is None:
        return None
    return {
        "amount": (
            None if total.amount_minor is None else _decimal(total.amount_minor, total.currency)
        ),
        "currency": total.currency,
        "as_of": total.as_of.isoformat(),
        "rate_date": total.rate_date.isoformat() if total.rate_date else None,
        "left_out": total.left_out,
    }


def _count(value: float | None) -> int | None:
    return None if value is None else round(value)


def _level(metric: str, labels: dict[str, str], level: Level) -> dict[str, Any]:
    return {
        "metric": metric,
        "labels": labels,
        "count": _count(level.count),
        "count_previous": _count(level.count_prev),
        "amounts": [amount(m) for m in level.amounts],
        "amounts_previous": [amount(m) for m in level.amounts_prev],
        "total": _total(level.total),
    }


def _levels(report: WeeklyReport) -> list[dict[str, Any]]:
    out = [
        _level("unmatched_accounts", {"system": system}, level)
        for system, level in report.unmatched_accounts.items()
    ]
    out.append(_level("stuck_amendments", {}, report.stuck_amendments))
    out.append(_level("posting_failures", {}, report.posting_failures))
    if report.payment_posting_failures is not None:
        out.append(_level("payment_posting_failures", {}, report.payment_posting_failures))
    return out


def _figure(figure: Figure) -> dict[str, Any]:
    return {
        "count": figure.count,
        "amounts": [amount(m) for m in figure.amounts],
        "total": _total(figure.total),
    }


def _week(changes: WeekChanges) -> dict[str, Any]:
    return {
        "new": _figure(changes.new),
        "fixed": _figure(changes.fixed),
        "still_open": _figure(changes.still_open),
    }


def _change(change: MetricChange) -> dict[str, Any]:
    return {
        "metric": change.metric,
        "labels": change.labels,
        "this_week": _week(change.this_week),
        "previous_week": _week(change.last_week),
    }


def _risk(risk: NewRisk, report: WeeklyReport) -> dict[str, Any]:
    age = max(report.period_end - risk.since, timedelta(0))
    return {
        "system": risk.system,
        "object_type": risk.object_type,
        "external_id": risk.external_id,
        "name": risk.name,
        "customer": risk.customer,
        "metrics": risk.metrics,
        "amount": amount(risk.amount),
        "amount_reporting": amount(risk.converted) if risk.converted else None,
        "found_at": format_instant(risk.found_at),
        "since": format_instant(risk.since),
        "age_seconds": int(age.total_seconds()),
        "owner": risk.owner,
        "assignee": risk.assignee,
    }


def report_document(report: WeeklyReport) -> dict[str, Any]:
    """The report as the documented JSON object."""
    a = report.alerts
    return {
        "report": "weekly_sync_health",
        "schema": SCHEMA,
        "week": report.week,
        "previous_week": report.previous_week,
        "timezone": report.timezone,
        "period": {
            "start": format_instant(report.period_start),
            "end": format_instant(report.period_end),
        },
        "generated_at": format_instant(report.generated_at),
        "flows": [
            {
                "flow": f.flow,
                "sla_attainment": f.attainment,
                "sla_attainment_previous": f.attainment_prev,
                "lag_p95_seconds": f.lag_p95_seconds,
                "lag_p95_seconds_previous": f.lag_p95_prev,
            }
            for f in report.flows
        ],
        "at_week_end": _levels(report),
        "changes": None if report.changes is None else [_change(c) for c in report.changes],
        "new_risks": (
            None if report.new_risks is None else [_risk(r, report) for r in report.new_risks]
        ),
        "top_exceptions": [
            {
                "system": e.system,
                "object_type": e.object_type,
                "external_id": e.external_id,
                "metrics": e.metrics,
                "amount": amount(e.amount),
                "since": format_instant(e.since),
                "owner": e.owner,
            }
            for e in report.top_exceptions
        ],
        "alerts": {
            "fired": a.fired,
            "fired_previous": a.fired_prev,
            "fired_by_severity": dict(sorted(a.fired_by_severity.items())),
            "acknowledged": a.acknowledged,
            "mtta_seconds": a.mtta_seconds,
            "resolved": a.resolved,
            "mttr_seconds": a.mttr_seconds,
        },
    }


def to_json(report: WeeklyReport) -> str:
    """The report as indented JSON, keys in a stable order."""
    return json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"
