"""Build the platform-neutral AlertMessage of an incident: what breached, money, top records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import psycopg

from alerts.assignments import AlertPeople, alert_people
from alerts.conditions import condition_words
from alerts.evaluation import fingerprint, group_key
from alerts.messages import AlertLine, AlertMessage, AlertState, Money, RecordRef
from alerts.weekly_tables import record_title
from core.config import Settings
from core.config.alerts import AlertRule
from core.display import metric_value
from core.store.record_names import names_join

TOP_RECORDS = 5
# Metrics without exception items of their own borrow the records behind a sibling metric.
_RECORDS_OF = {
    "sla_attainment": "sla_breaches",
    "sync_lag_seconds": "sla_breaches",
    "sync_backlog_oldest_seconds": "sync_backlog",
    "unmatched_accounts_arr": "unmatched_accounts",
}
# Labels that describe a series, not the records behind it.
_SERIES_ONLY_LABELS = ("quantile", "currency")
# Keys of exception_item.related that name the same record in another system.
_RELATED_IDS = {
    "netsuite_invoice": "netsuite",
    "account_id": "salesforce",
    "correlation_id": "middleware",
}


@dataclass(frozen=True, slots=True)
class LineView:
    """One line of a message: a label set, its value and who acknowledged it."""

    labels: dict[str, str]
    value: float
    unit: str
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


def dashboard_link(settings: Settings, rule: AlertRule) -> str:
    """The dashboard page of the rule's owner, filtered to the rule."""
    return f"{settings.dashboard_url.rstrip('/')}/{rule.owner}?{urlencode({'rule': rule.name})}"


def alerts_link(settings: Settings, rule: AlertRule, alert_id: int | None = None) -> str:
    """The dashboard's alerts page, open at one alert or filtered to the rule (where its alerts
    are acknowledged)."""
    query = {"alert": alert_id} if alert_id is not None else {"rule": rule.name}
    return f"{settings.dashboard_url.rstrip('/')}/alerts?{urlencode(query)}"


def record_link(settings: Settings, system: str, external_id: str) -> str:
    """The dashboard's view of one record."""
    query = urlencode({"system": system, "id": external_id})
    return f"{settings.dashboard_url.rstrip('/')}/record?{query}"


def _ids(system: str, external_id: str, related: dict[str, Any]) -> dict[str, str]:
    ids = {system: external_id}
    for key, other in _RELATED_IDS.items():
        value = related.get(key)
        if isinstance(value, str) and value and other not in ids:
            ids[other] = value
    targets = related.get("target_ids")
    target_system = related.get("target_system")
    if isinstance(targets, list) and targets and isinstance(target_system, str):
        ids.setdefault(target_system, str(targets[0]))
    return ids


def _line(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    view: LineView,
    people: AlertPeople | None,
) -> AlertLine:
    metric = _RECORDS_OF.get(rule.metric, rule.metric.removesuffix("_amount"))
    labels = {k: v for k, v in view.labels.items() if k not in _SERIES_ONLY_LABELS}
    where = "resolved_at IS NULL AND metric = %s AND labels @> %s::jsonb"
    params = (metric, json.dumps(labels))
    totals = conn.execute(
        f"SELECT currency, sum(amount_minor), count(*) FROM exception_item WHERE {where} "
        "GROUP BY currency ORDER BY currency NULLS LAST",
        params,
    ).fetchall()
    top = conn.execute(
        "SELECT i.system, i.object_type, i.external_id, i.related, i.amount_minor, i.currency, "
        "i.since, names.record_name, names.customer_name FROM ("
        "SELECT system, object_type, external_id, related, amount_minor, currency, since "
        f"FROM exception_item WHERE {where} "
        "ORDER BY amount_minor DESC NULLS LAST, since NULLS LAST, external_id LIMIT %s) i "
        f"{names_join('i.system', 'i.object_type', 'i.external_id')} "
        "ORDER BY i.amount_minor DESC NULLS LAST, i.since NULLS LAST, i.external_id",
        (*params, TOP_RECORDS),
    ).fetchall()
    return AlertLine(
        labels=view.labels,
        value=view.value,
        threshold=rule.threshold,
        op=rule.op,
        unit=view.unit,
        money=[Money(amount_minor=int(s), currency=c.strip()) for c, s, _ in totals if c and s],
        records_affected=sum(int(n) for _, _, n in totals),
        top_records=[
            RecordRef(
                label=record_title(system, kind, external_id, name, customer),
                ids=_ids(system, external_id, related),
                amount=Money(amount_minor=amount, currency=currency.strip())
                if amount is not None and currency
                else None,
                since=since,
                url=record_link(settings, system, external_id),
            )
            for system, kind, external_id, related, amount, currency, since, name, customer in top
        ],
        acknowledged_by=view.acknowledged_by,
        acknowledged_at=view.acknowledged_at,
        alert_id=people.alert_id if people else None,
        assigned_to=people.assigned_to if people else None,
    )


def build_message(
    conn: psycopg.Connection[Any],
    settings: Settings,
    rule: AlertRule,
    *,
    state: AlertState,
    lines: list[LineView],
    started_at: datetime,
    resolved_at: datetime | None = None,
    stale_reasons: list[str] | None = None,
) -> AlertMessage:
    """The message of one incident in ``state``, with a line per label set."""
    condition = condition_words(rule, lines[0].unit if lines else "")
    if state == "resolved":
        summary = f"Resolved: {condition} no longer holds."
    elif state == "stale":
        summary = "Held as stale, neither firing nor resolved: " + "; ".join(stale_reasons or [])
    else:
        summary = (
            f"{condition}: now {metric_value(lines[0].value, lines[0].unit, lines[0].labels)}."
            if len(lines) == 1
            else f"{condition} on {len(lines)} series."
        )
    if rule.summary:
        summary = f"{summary} {rule.summary}"
    prints = [fingerprint(rule.name, v.labels) for v in lines]
    people = alert_people(conn, prints)
    ids = [people[fp].alert_id for fp in prints if fp in people]
    # People act on an open incident from its message only where Slack can reach syncwatch.
    actionable = settings.slack.interactivity is not None and state != "resolved" and bool(lines)
    return AlertMessage(
        state=state,
        rule=rule.name,
        title=rule.title or condition,
        severity=rule.severity,
        summary=summary,
        lines=[
            _line(conn, settings, rule, v, people.get(fp))
            for v, fp in zip(lines, prints, strict=True)
        ],
        owner=rule.owner,
        runbook_url=rule.runbook_url,
        dashboard_url=dashboard_link(settings, rule),
        alerts_url=None
        if state == "resolved"
        else alerts_link(settings, rule, ids[0] if len(ids) == 1 == len(lines) else None),
        started_at=started_at,
        resolved_at=resolved_at,
        group_key=group_key(rule, lines[0].labels) if actionable else None,
    )
