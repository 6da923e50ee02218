"""The weekly KPI summary as the platform-neutral report message, and its weekly delivery.

Slack Block Kit (alerts.slack_report), Markdown (alerts.report_markdown), HTML
(alerts.report_html) and the dashboard (app.report_view) render the message side by side; the
JSON document (alerts.report_json) is written from the report itself.
"""

from __future__ import annotations

from datetime import datetime

from alerts.messages import Envelope, ReportLine, ReportMessage, ReportSection, ReportTable
from alerts.weekly import FlowKpi, Level, WeeklyReport, build_weekly_report, store_report
from alerts.weekly_tables import amounts_text, changes_table, problems, record_title, risks_table
from alerts.weekly_totals import Total
from core.config import Settings
from core.database import Database
from core.display import (
    converted_total,
    duration,
    money,
    rate_day,
    system_title,
)
from metrics.flows import flow_title

NO_DATA = "no data"
TOP_TITLE = "Largest open risks, per currency"


def _percent(value: float | None) -> str:
    return NO_DATA if value is None else f"{value * 100:.1f}%"


def _points(value: float | None, prev: float | None) -> str | None:
    if value is None or prev is None:
        return None
    return f"{(value - prev) * 100:+.1f} pts vs last week"


def _lag_change(value: float | None, prev: float | None) -> str | None:
    if value is None or prev is None:
        return None
    delta = value - prev
    sign = "+" if delta >= 0 else "-"
    return f"{sign}{duration(abs(delta))} vs last week"


def _count(value: float | None) -> str:
    return NO_DATA if value is None else f"{int(value):,}"


def _count_change(value: float | None, prev: float | None) -> str | None:
    if value is None or prev is None:
        return None
    return f"{int(value - prev):+,} vs last week"


def _total(total: Total | None) -> str:
    """`` (≈ $1,234.00 at ECB rates of 2 Dec 2026)`` after the amounts; nothing when no amount
    converts (no rates loaded): the amounts per currency say it all."""
    if total is None or total.amount_minor is None:
        return ""
    text = converted_total(
        total.currency, total.amount_minor, total.rate_date, total.left_out, total.as_of
    )
    return f" ({text})"


def _level_line(label: str, level: Level, money_word: str) -> ReportLine:
    value = _count(level.count)
    if level.count:
        value += f" · {money_word} {amounts_text(level.amounts)}"
        if level.amounts:
            value += _total(level.total)
    return ReportLine(label=label, value=value, change=_count_change(level.count, level.count_prev))


def _flow_lines(flows: list[FlowKpi]) -> tuple[list[ReportLine], list[ReportLine]]:
    sla = [
        ReportLine(
            label=flow_title(f.flow),
            value=_percent(f.attainment),
            change=_points(f.attainment, f.attainment_prev),
        )
        for f in flows
    ]
    lag = [
        ReportLine(
            label=flow_title(f.flow),
            value=NO_DATA if f.lag_p95_seconds is None else duration(f.lag_p95_seconds),
            change=_lag_change(f.lag_p95_seconds, f.lag_p95_prev),
        )
        for f in flows
    ]
    return sla, lag


def _headline(report: WeeklyReport) -> str:
    measured = [f.attainment for f in report.flows if f.attainment is not None]
    parts = []
    if measured:
        parts.append(f"SLA attainment {sum(measured) / len(measured) * 100:.1f}% across flows")
    else:
        parts.append("no SLA measurements this week")
    failures = report.posting_failures
    if failures.amounts:
        parts.append(
            f"{amounts_text(failures.amounts)}{_total(failures.total)} in posting failures"
        )
    fired = report.alerts.fired
    parts.append(f"{fired} alert{'s' if fired != 1 else ''} fired")
    return "; ".join(parts) + "."


def _levels(report: WeeklyReport) -> ReportSection:
    """End-of-week levels from metric history: what reports stored before the change table
    was read from the exception items show in its place."""
    risk = [
        _level_line(f"Accounts without a {system_title(system)} customer", level, "ARR")
        for system, level in report.unmatched_accounts.items()
    ]
    risk.append(_level_line("Stuck amendments", report.stuck_amendments, "value"))
    risk.append(_level_line("Posting failures", report.posting_failures, "amount"))
    if report.payment_posting_failures is not None:
        risk.append(
            _level_line("Payment posting failures", report.payment_posting_failures, "amount")
        )
    return ReportSection(title="At risk at the end of the week", lines=risk)


def _top_exceptions(report: WeeklyReport, settings: Settings) -> ReportSection:
    top = [
        ReportLine(
            label=f"{record_title(e.system, e.object_type, e.external_id, e.name, e.customer)} "
            f"({problems(e.metrics)})",
            value=money(e.amount.amount_minor, e.amount.currency),
            change=f"open since {rate_day(e.since.astimezone(settings.zone).date())}"
            + (f", owner {e.owner}" if e.owner else ""),
        )
        for e in report.top_exceptions
    ]
    return ReportSection(title=TOP_TITLE, lines=top)


def _alerts(report: WeeklyReport) -> ReportSection:
    a = report.alerts
    severities = ", ".join(f"{n} {s}" for s, n in sorted(a.fired_by_severity.items()))
    alerts = [
        ReportLine(
            label="Alerts fired",
            value=f"{a.fired}" + (f" ({severities})" if severities else ""),
            change=_count_change(a.fired, a.fired_prev),
        ),
        ReportLine(
            label="Mean time to acknowledge",
            value=NO_DATA if a.mtta_seconds is None else duration(a.mtta_seconds),
            change=f"{a.acknowledged} acknowledged",
        ),
        ReportLine(
            label="Mean time to resolve",
            value=NO_DATA if a.mttr_seconds is None else duration(a.mttr_seconds),
            change=f"{a.resolved} resolved",
        ),
    ]
    return ReportSection(title="Alerts", lines=alerts)


def report_message(report: WeeklyReport, settings: Settings) -> ReportMessage:
    """The report as the platform-neutral message Slack, Markdown, HTML and the app render."""
    sla, lag = _flow_lines(report.flows)
    sections: list[ReportSection | ReportTable] = [
        ReportSection(title="SLA attainment (weekly mean)", lines=sla),
        ReportSection(title="Sync lag p95 (weekly mean)", lines=lag),
        _levels(report) if report.changes is None else changes_table(report.changes),
    ]
    if report.new_risks is not None:
        sections.append(
            risks_table(report.new_risks, report.period_end, settings.reporting_currency)
        )
    sections += [_top_exceptions(report, settings), _alerts(report)]
    return ReportMessage(
        title="Weekly sync health",
        period=report.week,
        headline=_headline(report),
        sections=sections,
        dashboard_url=settings.dashboard_url,
    )


def send_weekly_report(
    db: Database, settings: Settings, now: datetime, week: str | None = None
) -> WeeklyReport:
    """Build and store the report and queue it for the executive channel, once per week."""
    with db.connection() as conn, conn.transaction():
        report = build_weekly_report(conn, settings, week, now)
        store_report(conn, report)
        payload = Envelope(message=report_message(report, settings)).model_dump_json()
        # A re-run before delivery refreshes the queued message; once sent, it is not re-posted.
        conn.execute(
            "INSERT INTO notification_outbox (idempotency_key, kind, channel, payload) "
            "VALUES (%s, 'report', %s, %s::jsonb) ON CONFLICT (idempotency_key) DO UPDATE "
            "SET payload = EXCLUDED.payload, channel = EXCLUDED.channel "
            "WHERE notification_outbox.status = 'pending'",
            (f"weekly-report:{report.week}", settings.slack.executive_channel, payload),
        )
    return report
