"""The weekly executive KPI summary: built from metric history, exceptions and alerts and stored
in ``kpi_report`` (one row per ISO week, replaced on re-run). It knows nothing of its renderers:
alerts.weekly_message turns it into the message they render and posts it through the outbox.

A week is an ISO week in the configured time zone (alerts.weekly_period). Weekly means use
hourly rollups where they exist, raw points for hours not rolled up yet and daily rollups for
days with neither (older than the hourly retention); end-of-week levels are the last
observation before the week ends. What changed per metric (alerts.weekly_changes) and the
largest new risks (alerts.weekly_risks) are read from the exception items' lifecycle, the alert
figures from the alerts' history (alerts.weekly_incidents). No figure is summed across
currencies, except each one's total in the reporting currency at the ECB rates of the week's
last rate date (alerts.weekly_totals).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from alerts.messages import Money
from alerts.weekly_changes import MetricChange, metric_changes
from alerts.weekly_incidents import AlertKpi, alert_kpi
from alerts.weekly_period import Week, last_complete_week, parse_week
from alerts.weekly_risks import NOT_RISKS, NewRisk, new_risks
from alerts.weekly_totals import ReportModel, Total, WeekRates, week_rates
from core.config import Settings
from core.store.record_names import names_join

TOP_EXCEPTIONS = 5


class FlowKpi(ReportModel):
    """One flow's SLA attainment and p95 lag, as weekly means, this week and last."""

    flow: str
    attainment: float | None
    attainment_prev: float | None
    lag_p95_seconds: float | None
    lag_p95_prev: float | None


class Level(ReportModel):
    """A count and its money per currency at the end of this week and of last week."""

    count: float | None
    count_prev: float | None
    amounts: list[Money]
    amounts_prev: list[Money]
    # Reports stored before totals were shown have none.
    total: Total | None = None


class TopException(ReportModel):
    """One record at risk at the end of the week, with every metric that lists it."""

    system: str
    object_type: str
    external_id: str
    metrics: list[str]
    amount: Money
    since: datetime
    owner: str | None
    # Reports stored before records were named have neither.
    name: str | None = None
    customer: str | None = None


class WeeklyReport(ReportModel):
    """Every figure of one week's KPI summary (stored as ``kpi_report.content``)."""

    week: str
    previous_week: str
    timezone: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    flows: list[FlowKpi]
    unmatched_accounts: dict[str, Level]
    stuck_amendments: Level
    posting_failures: Level
    # Reports stored before payments were checked have none.
    payment_posting_failures: Level | None = None
    top_exceptions: list[TopException]
    alerts: AlertKpi
    # Reports stored before changes were read from the exception items have neither.
    changes: list[MetricChange] | None = None
    new_risks: list[NewRisk] | None = None


# Weekly mean and last value per series of one metric. Hourly rollups are preferred; raw points
# fill hours without one; daily rollups fill days with neither.
_SERIES = """
WITH s AS (SELECT id, labels FROM metric_series WHERE name = %(name)s),
hourly AS (
    SELECT r.series_id, r.bucket AS ts, r.sum, r.count, r.last
    FROM metric_rollup r JOIN s ON s.id = r.series_id
    WHERE r.resolution = '1h' AND r.bucket >= %(start)s AND r.bucket < %(end)s),
raw AS (
    SELECT p.series_id, p.ts, p.value AS sum, 1 AS count, p.value AS last
    FROM metric_point p JOIN s ON s.id = p.series_id
    WHERE p.ts >= %(start)s AND p.ts < %(end)s
      AND NOT EXISTS (SELECT 1 FROM hourly h WHERE h.series_id = p.series_id
                      AND h.ts = date_bin('1 hour', p.ts, 'epoch'))),
daily AS (
    SELECT r.series_id, r.bucket AS ts, r.sum, r.count, r.last
    FROM metric_rollup r JOIN s ON s.id = r.series_id
    WHERE r.resolution = '1d' AND r.bucket >= %(start)s AND r.bucket < %(end)s
      AND NOT EXISTS (SELECT 1 FROM hourly h WHERE h.series_id = r.series_id
                      AND h.ts >= r.bucket AND h.ts < r.bucket + interval '1 day')
      AND NOT EXISTS (SELECT 1 FROM raw p WHERE p.series_id = r.series_id
                      AND p.ts >= r.bucket AND p.ts < r.bucket + interval '1 day')),
samples AS (
    SELECT * FROM hourly UNION ALL SELECT * FROM raw UNION ALL SELECT * FROM daily)
SELECT s.labels, sum(x.sum) / nullif(sum(x.count), 0), (array_agg(x.last ORDER BY x.ts DESC))[1]
FROM samples x JOIN s ON s.id = x.series_id
GROUP BY s.labels
"""

# The largest per currency; items of records not yet due or whose timestamps disagree are no
# risk of their own (alerts.weekly_risks.NOT_RISKS).
_TOP_EXCEPTIONS = f"""
WITH open_at_end AS (
    SELECT system, object_type, external_id, currency::text AS currency,
           -- An amount mismatch carries a signed difference: its size is the money at risk.
           max(abs(amount_minor)) AS amount,
           array_agg(DISTINCT metric ORDER BY metric) AS metrics,
           min(COALESCE(since, first_seen)) AS since,
           min(owner) AS owner
    FROM exception_item
    WHERE first_seen < %(end)s AND (resolved_at IS NULL OR resolved_at >= %(end)s)
      AND amount_minor IS NOT NULL AND currency IS NOT NULL
      AND metric <> ALL (%(not_risks)s::text[])
    GROUP BY system, object_type, external_id, currency),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY currency ORDER BY amount DESC, external_id) AS n
    FROM open_at_end)
SELECT r.system, r.object_type, r.external_id, r.metrics, r.amount AS amount_minor, r.currency,
       r.since, r.owner, names.record_name AS name, names.customer_name AS customer
FROM ranked r
{names_join("r.system", "r.object_type", "r.external_id")}
WHERE r.n <= %(top)s
ORDER BY r.currency, r.n
"""

LabelKey = tuple[tuple[str, str], ...]


def _series(
    conn: psycopg.Connection[Any], name: str, week: Week
) -> dict[LabelKey, tuple[float, float]]:
    rows = conn.execute(_SERIES, {"name": name, "start": week.start, "end": week.end}).fetchall()
    return {
        tuple(sorted(labels.items())): (float(mean), float(last))
        for labels, mean, last in rows
        if mean is not None
    }


def _pick(series: dict[LabelKey, tuple[float, float]], **labels: str) -> tuple[float, float] | None:
    return series.get(tuple(sorted(labels.items())))


def _money(series: dict[LabelKey, tuple[float, float]], **labels: str) -> list[Money]:
    """End-of-week amounts per currency among the series matching ``labels``."""
    wanted = set(labels.items())
    found = [
        Money(amount_minor=round(last), currency=dict(key)["currency"])
        for key, (_, last) in series.items()
        if wanted <= set(key) and "currency" in dict(key)
    ]
    return sorted(found, key=lambda m: m.currency)


def _level(
    conn: psycopg.Connection[Any],
    rates: WeekRates,
    count: str,
    amount: str,
    this: Week,
    prev: Week,
    **labels: str,
) -> Level:
    def total(week: Week) -> float | None:
        series = _series(conn, count, week)
        wanted = set(labels.items())
        # A count split by a label (posting failures by age bucket) adds up across it.
        lasts = [last for key, (_, last) in series.items() if wanted <= set(key)]
        return sum(lasts) if lasts else None

    amounts = _money(_series(conn, amount, this), **labels)
    return Level(
        count=total(this),
        count_prev=total(prev),
        amounts=amounts,
        amounts_prev=_money(_series(conn, amount, prev), **labels),
        total=rates.total(amounts) if amounts else None,
    )


def _flows(
    conn: psycopg.Connection[Any], settings: Settings, this: Week, prev: Week
) -> list[FlowKpi]:
    sla = [_series(conn, "sla_attainment", w) for w in (this, prev)]
    lag = [_series(conn, "sync_lag_seconds", w) for w in (this, prev)]

    def mean(found: tuple[float, float] | None) -> float | None:
        return found[0] if found else None

    return [
        FlowKpi(
            flow=flow,
            attainment=mean(_pick(sla[0], flow=flow)),
            attainment_prev=mean(_pick(sla[1], flow=flow)),
            lag_p95_seconds=mean(_pick(lag[0], flow=flow, quantile="p95")),
            lag_p95_prev=mean(_pick(lag[1], flow=flow, quantile="p95")),
        )
        for flow, config in settings.flow_settings().items()
        if config.enabled
    ]


def _top_exceptions(conn: psycopg.Connection[Any], week: Week) -> list[TopException]:
    params = {"end": week.end, "top": TOP_EXCEPTIONS, "not_risks": list(NOT_RISKS)}
    found = []
    for row in conn.cursor(row_factory=dict_row).execute(_TOP_EXCEPTIONS, params).fetchall():
        amount = Money(amount_minor=row.pop("amount_minor"), currency=row.pop("currency"))
        found.append(TopException(**row, amount=amount))
    return found


def build_weekly_report(
    conn: psycopg.Connection[Any], settings: Settings, week: str | None, now: datetime
) -> WeeklyReport:
    """Every KPI of ``week`` (default: the last complete week in settings.timezone)."""
    zone = settings.zone
    this = parse_week(week, zone) if week else last_complete_week(now, zone)
    prev = this.previous(zone)
    rates = week_rates(conn, settings, this)

    def level(count: str, amount: str, **labels: str) -> Level:
        return _level(conn, rates, count, amount, this, prev, **labels)

    return WeeklyReport(
        week=this.label,
        previous_week=prev.label,
        timezone=settings.timezone,
        period_start=this.start,
        period_end=this.end,
        generated_at=now,
        flows=_flows(conn, settings, this, prev),
        unmatched_accounts={
            system: level("unmatched_accounts", "unmatched_accounts_arr", system=system)
            for system in ("netsuite", "stripe")
        },
        stuck_amendments=level("stuck_amendments", "stuck_amendments_amount"),
        posting_failures=level("posting_failures", "posting_failures_amount"),
        payment_posting_failures=level(
            "payment_posting_failures", "payment_posting_failures_amount"
        ),
        top_exceptions=_top_exceptions(conn, this),
        alerts=alert_kpi(conn, this, prev),
        changes=metric_changes(conn, this, prev, rates),
        new_risks=new_risks(conn, this, rates),
    )


def store_report(conn: psycopg.Connection[Any], report: WeeklyReport) -> None:
    """Save the report as its week's row, replacing an earlier run's content."""
    conn.execute(
        "INSERT INTO kpi_report (week, period_start, period_end, generated_at, content) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (week) DO UPDATE SET "
        "period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end, "
        "generated_at = EXCLUDED.generated_at, content = EXCLUDED.content",
        (report.week, report.period_start, report.period_end, report.generated_at,
         report.model_dump_json()),
    )  # fmt: skip


def load_report(conn: psycopg.Connection[Any], week: str) -> WeeklyReport | None:
    """The stored report of ``week``, if any."""
    row = conn.execute("SELECT content FROM kpi_report WHERE week = %s", (week,)).fetchone()
    return WeeklyReport.model_validate(row[0]) if row else None
