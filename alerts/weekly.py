"""The weekly executive KPI summary: built from metric history, exceptions and alerts and stored
in ``kpi_report`` (one row per ISO week, replaced on re-run). It knows nothing of its renderers:
alerts.weekly_message turns it into the message they render and posts it through the outbox.

A week is an ISO week in the configured time zone (Monday 00:00 to the next Monday 00:00).
Weekly means use hourly rollups where they exist, raw points for hours not rolled up yet and
daily rollups for days with neither (older than the hourly retention); end-of-week levels are
the last observation before the week ends. No figure is summed across currencies, except each
level's total in the reporting currency at the ECB rates of the week's last rate date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from pydantic import BaseModel, ConfigDict

from alerts.messages import Money
from core.config import Settings
from core.errors import SyncwatchError
from core.fx.convert import total_in

TOP_EXCEPTIONS = 5


class WeekError(SyncwatchError):
    """An unreadable ISO week."""

    exit_code = 2


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlowKpi(_Model):
    """One flow's SLA attainment and p95 lag, as weekly means, this week and last."""

    flow: str
    attainment: float | None
    attainment_prev: float | None
    lag_p95_seconds: float | None
    lag_p95_prev: float | None


class Total(_Model):
    """Money of several currencies as one total in the reporting currency at a day's ECB rates.

    ``amount_minor`` covers every currency but those in ``left_out`` (which have no rate that
    day); it is None when none converts, and ``rate_date`` is None when no rates were loaded
    for any day up to ``as_of``.
    """

    currency: str
    as_of: date
    amount_minor: int | None
    rate_date: date | None
    left_out: list[str]


class Level(_Model):
    """A count and its money per currency at the end of this week and of last week."""

    count: float | None
    count_prev: float | None
    amounts: list[Money]
    amounts_prev: list[Money]
    # Reports stored before totals were shown have none.
    total: Total | None = None


class TopException(_Model):
    """One record at risk at the end of the week, with every metric that lists it."""

    system: str
    object_type: str
    external_id: str
    metrics: list[str]
    amount: Money
    since: datetime
    owner: str | None


class AlertKpi(_Model):
    """Alerts that fired in the week, and how fast they were acknowledged and resolved."""

    fired: int
    fired_prev: int
    fired_by_severity: dict[str, int]
    acknowledged: int
    mtta_seconds: float | None
    resolved: int
    mttr_seconds: float | None


class WeeklyReport(_Model):
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


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week in a time zone, as UTC instants."""

    label: str
    start: datetime
    end: datetime

    def previous(self, zone: ZoneInfo) -> Week:
        """The week before this one."""
        return week_of(self.start.astimezone(zone).date() - timedelta(days=7), zone)


def week_of(day: date, zone: ZoneInfo) -> Week:
    """The ISO week containing ``day`` in ``zone``."""
    year, number, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return Week(f"{year}-W{number:02d}", start.astimezone(UTC), end.astimezone(UTC))


def parse_week(label: str, zone: ZoneInfo) -> Week:
    """``2026-W47`` as a Week in ``zone``."""
    try:
        year, number = label.strip().upper().split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise WeekError(f"week {label!r} is not an ISO week such as 2026-W47") from None
    return week_of(monday, zone)


def last_complete_week(now: datetime, zone: ZoneInfo) -> Week:
    """The latest ISO week that ended at or before ``now`` in ``zone``."""
    return week_of(now.astimezone(zone).date() - timedelta(days=7), zone)


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

_TOP_EXCEPTIONS = """
WITH open_at_end AS (
    SELECT system, object_type, external_id, currency,
           -- An amount mismatch carries a signed difference: its size is the money at risk.
           max(abs(amount_minor)) AS amount,
           array_agg(DISTINCT metric ORDER BY metric) AS metrics,
           min(COALESCE(since, first_seen)) AS since,
           min(owner) AS owner
    FROM exception_item
    WHERE first_seen < %(end)s AND (resolved_at IS NULL OR resolved_at >= %(end)s)
      AND amount_minor IS NOT NULL AND currency IS NOT NULL
    GROUP BY system, object_type, external_id, currency),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY currency ORDER BY amount DESC, external_id) AS n
    FROM open_at_end)
SELECT system, object_type, external_id, metrics, amount, currency, since, owner
FROM ranked WHERE n <= %(top)s
ORDER BY currency, n
"""

_ALERTS = """
WITH started AS (
    -- An incident starts when an alert fires (a return from stale continues the same one).
    SELECT e.alert_id, e.ts AS fired_at,
           lead(e.ts) OVER (PARTITION BY e.alert_id ORDER BY e.ts, e.id) AS next_fired
    FROM alert_event e
    WHERE e.to_state = 'firing' AND e.from_state IS DISTINCT FROM 'stale'
), incident AS (
    SELECT s.alert_id, s.fired_at,
        (SELECT min(k.ts) FROM alert_event k WHERE k.alert_id = s.alert_id
            AND k.to_state = 'acknowledged' AND k.ts >= s.fired_at
            AND (s.next_fired IS NULL OR k.ts < s.next_fired)) AS acknowledged_at,
        (SELECT min(r.ts) FROM alert_event r WHERE r.alert_id = s.alert_id
            AND r.to_state = 'resolved' AND r.ts >= s.fired_at
            AND (s.next_fired IS NULL OR r.ts <= s.next_fired)) AS resolved_at
    FROM started s
)
SELECT
    (SELECT count(*) FROM incident WHERE fired_at >= %(start)s AND fired_at < %(end)s),
    (SELECT count(*) FROM incident WHERE fired_at >= %(prev)s AND fired_at < %(start)s),
    (SELECT COALESCE(jsonb_object_agg(severity, n), '{}') FROM (
        SELECT a.severity, count(*) AS n FROM incident i JOIN alert a ON a.id = i.alert_id
        WHERE i.fired_at >= %(start)s AND i.fired_at < %(end)s
        GROUP BY a.severity) s),
    (SELECT count(*) FROM incident
        WHERE acknowledged_at >= %(start)s AND acknowledged_at < %(end)s),
    (SELECT avg(extract(epoch FROM acknowledged_at - fired_at))::float8 FROM incident
        WHERE acknowledged_at >= %(start)s AND acknowledged_at < %(end)s),
    (SELECT count(*) FROM incident WHERE resolved_at >= %(start)s AND resolved_at < %(end)s),
    (SELECT avg(extract(epoch FROM resolved_at - fired_at))::float8 FROM incident
        WHERE resolved_at >= %(start)s AND resolved_at < %(end)s)
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


def _total(
    conn: psycopg.Connection[Any], amounts: list[Money], settings: Settings, week: Week
) -> Total:
    """``amounts`` in the reporting currency at the rates of the week's last rate date."""
    as_of = (week.end - timedelta(microseconds=1)).astimezone(settings.zone).date()
    pairs = [(m.amount_minor, m.currency) for m in amounts]
    found = total_in(conn, pairs, settings.reporting_currency, as_of)
    return Total(
        currency=found.currency, as_of=found.as_of, amount_minor=found.amount_minor,
        rate_date=found.rate_date, left_out=list(found.left_out),
    )  # fmt: skip


def _level(
    conn: psycopg.Connection[Any],
    settings: Settings,
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
        total=_total(conn, amounts, settings, this) if amounts else None,
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
    rows = conn.execute(_TOP_EXCEPTIONS, {"end": week.end, "top": TOP_EXCEPTIONS}).fetchall()
    return [
        TopException(
            system=system, object_type=object_type, external_id=external_id, metrics=metrics,
            amount=Money(amount_minor=amount, currency=currency.strip()), since=since, owner=owner,
        )
        for system, object_type, external_id, metrics, amount, currency, since, owner in rows
    ]  # fmt: skip


def _alerts(conn: psycopg.Connection[Any], this: Week, prev: Week) -> AlertKpi:
    row = conn.execute(
        _ALERTS, {"start": this.start, "end": this.end, "prev": prev.start}
    ).fetchone()
    assert row is not None  # a SELECT of scalar subqueries always yields one row
    fired, fired_prev, by_severity, acked, mtta, resolved, mttr = row
    return AlertKpi(
        fired=fired, fired_prev=fired_prev, fired_by_severity=by_severity, acknowledged=acked,
        mtta_seconds=mtta, resolved=resolved, mttr_seconds=mttr,
    )  # fmt: skip


def build_weekly_report(
    conn: psycopg.Connection[Any], settings: Settings, week: str | None, now: datetime
) -> WeeklyReport:
    """Every KPI of ``week`` (default: the last complete week in settings.timezone)."""
    zone = settings.zone
    this = parse_week(week, zone) if week else last_complete_week(now, zone)
    prev = this.previous(zone)
    unmatched = {
        system: _level(conn, settings, "unmatched_accounts", "unmatched_accounts_arr", this,
                       prev, system=system)
        for system in ("netsuite", "stripe")
    }  # fmt: skip
    return WeeklyReport(
        week=this.label,
        previous_week=prev.label,
        timezone=settings.timezone,
        period_start=this.start,
        period_end=this.end,
        generated_at=now,
        flows=_flows(conn, settings, this, prev),
        unmatched_accounts=unmatched,
        stuck_amendments=_level(
            conn, settings, "stuck_amendments", "stuck_amendments_amount", this, prev
        ),
        posting_failures=_level(
            conn, settings, "posting_failures", "posting_failures_amount", this, prev
        ),
        payment_posting_failures=_level(
            conn,
            settings,
            "payment_posting_failures",
            "payment_posting_failures_amount",
            this,
            prev,
        ),
        top_exceptions=_top_exceptions(conn, this),
        alerts=_alerts(conn, this, prev),
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


def to_json(report: WeeklyReport) -> str:
    """Every figure of the report as indented JSON."""
    return json.dumps(report.model_dump(mode="json"), indent=2) + "\n"
