"""The weekly report's two tables in words: what changed per metric, and the largest new risks.

alerts.weekly_message places them in the report message; every figure is worded here once, for
Slack, Markdown, HTML and the dashboard alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.messages import Money, ReportFigure, ReportRow, ReportTable
from alerts.weekly_changes import Figure, MetricChange, in_report_order
from alerts.weekly_risks import NewRisk
from alerts.weekly_totals import Total
from core.display import (
    MISSING,
    converted_total,
    duration,
    metric_title,
    money,
    object_title,
    rate_day,
    system_title,
)
from metrics.flows import flow_title

CHANGES_TITLE = "What changed this week"
RISKS_TITLE = "Largest new risks"
_CHANGES_NOTE = (
    "New: first found this week. Fixed: resolved this week. Still open: not resolved when the "
    "week ended. Below each row, the same for last week."
)
_RISKS_NOTE = (
    "Records first found at fault this week and still open at its end, largest money first; "
    "open for: from when the problem began to the end of the week."
)


def amounts_text(amounts: list[Money]) -> str:
    """Amounts of several currencies side by side (never summed), or ``none``."""
    return ", ".join(money(m.amount_minor, m.currency) for m in amounts) or "none"


def _converts(total: Total | None, amounts: list[Money]) -> bool:
    """Whether a total says more than the amounts: some are in another currency."""
    return total is not None and any(m.currency != total.currency for m in amounts)


def _approx(total: Total | None, amounts: list[Money]) -> str:
    """`` (≈ $12,540.00)`` after amounts in several currencies; nothing when the amounts are
    in the reporting currency already or nothing converts (the note says why)."""
    if total is None or total.amount_minor is None or not _converts(total, amounts):
        return ""
    left_out = f"; {', '.join(total.left_out)} left out: no rate" if total.left_out else ""
    return f" (≈ {money(total.amount_minor, total.currency)}{left_out})"


def figure_text(figure: Figure) -> str:
    """``4 · $12,000.00, €500.00 (≈ $12,540.00)``; ``0`` for none; a count alone without money."""
    if figure.count == 0:
        return "0"
    if not figure.amounts:
        return f"{figure.count:,}"
    return (
        f"{figure.count:,} · {amounts_text(figure.amounts)}{_approx(figure.total, figure.amounts)}"
    )


def _label_words(key: str, value: str) -> str:
    if key == "system":
        return system_title(value)
    if key == "flow":
        return flow_title(value)
    return value.replace("_", " ")


def row_title(change: MetricChange) -> str:
    """``Account without customer (NetSuite)``: the metric, and the label it is split by."""
    split = ", ".join(_label_words(k, v) for k, v in sorted(change.labels.items()))
    return metric_title(change.metric) + (f" ({split})" if split else "")


def _figures(change: MetricChange) -> list[Figure]:
    this, last = change.this_week, change.last_week
    return [this.new, this.fixed, this.still_open, last.new, last.fixed, last.still_open]


def _rates_note(changes: list[MetricChange]) -> str | None:
    """Which rates the totals use, or why there are none, when some figure needs a total."""
    for change in changes:
        for figure in _figures(change):
            total = figure.total
            if total is None or not _converts(total, figure.amounts):
                continue
            if total.rate_date is None:
                reason = converted_total(total.currency, None, None, [], total.as_of)
                return f"{reason[:1].upper()}{reason[1:]}."
            return f"Totals ≈ in {total.currency} at the ECB rates of {rate_day(total.rate_date)}."
    return None


def changes_table(changes: list[MetricChange]) -> ReportTable:
    """A row per metric with anything new, fixed or open in either week; the quiet ones named."""
    active = [c for c in changes if any(f.count for f in _figures(c))]
    quiet = sorted(
        {metric_title(c.metric) for c in changes} - {metric_title(c.metric) for c in active}
    )
    notes = [_CHANGES_NOTE]
    if rates := _rates_note(active):
        notes.append(rates)
    if quiet:
        notes.append(f"Nothing found in either week: {', '.join(quiet)}.")
    rows = [
        ReportRow(
            label=row_title(c),
            figures=[
                ReportFigure(value=figure_text(now), previous=figure_text(then))
                for now, then in (
                    (c.this_week.new, c.last_week.new),
                    (c.this_week.fixed, c.last_week.fixed),
                    (c.this_week.still_open, c.last_week.still_open),
                )
            ],
        )
        for c in active
    ]
    return ReportTable(
        title=CHANGES_TITLE,
        columns=["Problem", "New", "Fixed", "Still open"],
        rows=rows,
        note=" ".join(notes),
    )


def record_title(
    system: str, object_type: str, external_id: str, name: str | None, customer: str | None
) -> str:
    """``Stripe invoice INV-0042 · Acme Corp``, ``Salesforce amendment for Acme Corp``: a record
    by its name and its customer's; by its id only when it has neither."""
    kind = f"{system_title(system)} {object_title(object_type)}"
    if name:
        return f"{kind} {name}" + (f" · {customer}" if customer and customer != name else "")
    return f"{kind} for {customer}" if customer else f"{kind} {external_id}"


def problems(metrics: list[str]) -> str:
    """The metrics listing a record, in words, in the report's order."""
    return ", ".join(metric_title(m) for m in in_report_order(metrics))


def _risk_amount(risk: NewRisk, reporting_currency: str) -> str:
    text = money(risk.amount.amount_minor, risk.amount.currency)
    if risk.amount.currency == reporting_currency.upper():
        return text
    if risk.converted is None:
        return f"{text} (no ECB rate)"
    return f"{text} (≈ {money(risk.converted.amount_minor, risk.converted.currency)})"


def _owner(risk: NewRisk) -> str:
    owner = risk.owner or MISSING
    return f"{owner}, assigned to {risk.assignee}" if risk.assignee else owner


def risks_table(risks: list[NewRisk], week_end: datetime, reporting_currency: str) -> ReportTable:
    """The largest new risks: record, problem, money, how long open and who owns it."""
    rows = [
        ReportRow(
            label=record_title(r.system, r.object_type, r.external_id, r.name, r.customer),
            figures=[
                ReportFigure(value=problems(r.metrics)),
                ReportFigure(value=_risk_amount(r, reporting_currency)),
                ReportFigure(value=duration(max(week_end - r.since, timedelta(0)))),
                ReportFigure(value=_owner(r)),
            ],
        )
        for r in risks
    ]
    return ReportTable(
        title=RISKS_TITLE,
        columns=["Record", "Problem", "Amount", "Open for", "Owner"],
        rows=rows,
        note=_RISKS_NOTE,
    )
