"""Executive: are we syncing on time, how much money is at risk, and what changed this week?"""

from __future__ import annotations

from datetime import date

import streamlit as st
from pydantic import ValidationError

from alerts.report_markdown import to_markdown
from alerts.weekly import WeeklyReport
from alerts.weekly_message import report_message
from app import attainment, charts
from app.changes import Change, count_change, money_change, points_change
from app.components import help_line
from app.filters import current_window
from app.money_rank import rank_by_value
from app.queries import executive
from app.queries.core import Frame, Window
from app.report_view import show_report
from app.risk_table import problem_money_view, risk_view
from app.runtime import runtime
from app.session import page_guard
from app.views import Reading, page_reading
from core.display import (
    MISSING,
    converted_total,
    count,
    instant,
    money,
    money_list,
    rate_day,
    ratio,
)
from core.fx.convert import FxTotal, total_at
from core.fx.rates import RateDay
from core.roles import Identity


def _metric(column: st.delta_generator.DeltaGenerator, label: str, value: str,
            change: Change | None, help_text: str, caption: str) -> None:  # fmt: skip
    """A headline tile: its value, the change since last week in words, a line beneath."""
    column.metric(
        label, value, help=help_text,
        delta=change.text if change else None,
        delta_color=change.colour if change else "off",
        delta_arrow=change.arrow if change else "off",
    )  # fmt: skip
    column.caption(caption)


def _attainment_tile(
    column: st.delta_generator.DeltaGenerator, identity: Identity, window: Window
) -> Frame:
    """SLA attainment this week against its target; returns the flows' weekly means."""
    weeks = executive.attainment(identity, window)
    goals = attainment.targets(runtime().settings, [str(f) for f in weeks["flow"]])
    head = attainment.headline(weeks, goals)
    low, high = min(goals.values(), default=head.target), max(goals.values(), default=head.target)
    target = (
        ratio(low, places=0) if low == high else f"{ratio(low, places=0)}–{ratio(high, places=0)}"
    )
    if head.this_week is None:
        _metric(column, "SLA attainment this week", MISSING, None,
                "No flow had items due this week.", f"Target {target}")  # fmt: skip
        return weeks
    change = None if head.last_week is None else points_change(head.this_week, head.last_week)
    _metric(
        column, "SLA attainment this week", ratio(head.this_week), change,
        "Share of the items due in the last seven days that reached their target system within "
        "their SLA: each flow's weekly mean, averaged over the flows. The target is the "
        "SLA-attainment alert threshold.",
        f"Target {target} · {head.on_target} of {head.flows} flows on target",
    )  # fmt: skip
    return weeks


def _money_tile(
    column: st.delta_generator.DeltaGenerator, totals: Frame, day: RateDay | None, as_of: date
) -> None:
    """Money at risk in the reporting currency, per currency beneath, and its change."""
    currency = runtime().settings.reporting_currency
    now = {str(c): int(a) for c, a in zip(totals["currency"], totals["amount_minor"], strict=True)
           if int(a)}  # fmt: skip
    before = {
        str(c): int(a)
        for c, a in zip(totals["currency"], totals["amount_before"], strict=True)
        if int(a)
    }
    total, prior = _total(day, now, currency, as_of), _total(day, before, currency, as_of)
    rates = converted_total(currency, total.amount_minor, total.rate_date, total.left_out, as_of)
    exact = f"Exactly {money_list(now)}; {rates}." if now else "No open problem carries money."
    then = (
        f"A week ago: {money_list(before)}, converted at the same rates."
        if before
        else "Nothing was at risk a week ago."
    )
    help_text = f"Open problems' money, each record once at its largest amount. {exact} {then}"
    if not now:
        _metric(column, "Money at risk", money(0, currency), None, help_text, "Nothing at risk")
        return
    if total.amount_minor is None:
        _metric(column, "Money at risk", MISSING, None, help_text,
                f"{money_list(now, compact=True)} · {_rates_line(total)}")  # fmt: skip
        return
    comparable = prior.amount_minor is not None and prior.left_out == total.left_out
    change = money_change(total.amount_minor, prior.amount_minor or 0, currency)
    _metric(
        column, "Money at risk", f"≈ {money(total.amount_minor, currency, compact=True)}",
        change if comparable or not before else None, help_text,
        f"{money_list(now, compact=True)} · {_rates_line(total)}",
    )  # fmt: skip


def _total(day: RateDay | None, amounts: dict[str, int], currency: str, as_of: date) -> FxTotal:
    return total_at(day, [(a, c) for c, a in amounts.items()], currency, as_of)


def _rates_line(total: FxTotal) -> str:
    """Which rates a total is at, and what it leaves out, in a few words."""
    if total.rate_date is None:
        return "no ECB rates loaded"
    left = f"; {', '.join(total.left_out)} without a rate" if total.left_out else ""
    return f"ECB rates of {rate_day(total.rate_date)}{left}"


def _records_tiles(
    left: st.delta_generator.DeltaGenerator, right: st.delta_generator.DeltaGenerator,
    totals: Frame,
) -> None:  # fmt: skip
    """How many records are at risk and how that changed; how many are new, how many fixed."""
    now, before = int(totals["records"].sum()), int(totals["records_before"].sum())
    new, fixed = int(totals["new"].sum()), int(totals["fixed"].sum())
    _metric(
        left, "Records at risk", count(now), count_change(now, before),
        "Invoices, accounts, amendments and customers with an open problem that carries money; "
        "a record with several problems counts once.",
        f"{count(before)} a week ago",
    )  # fmt: skip
    _metric(
        right, "New this week", count(new), None,
        "Records at risk now that were not a week ago; fixed: records at risk a week ago whose "
        "problems are all resolved.",
        f"{count(fixed)} fixed this week",
    )  # fmt: skip


def _largest_risks(
    identity: Identity, window: Window, reading: Reading, day: RateDay | None, totals: Frame
) -> None:
    currency = runtime().settings.reporting_currency
    st.markdown(f"**The {executive.TOP_RISKS} largest risks**")
    currencies = [str(c) for c, n in zip(totals["currency"], totals["records"], strict=True) if n]
    risks = executive.risks(identity, window, currencies)
    if len(risks) == 0:
        st.success("No open problem carries money.", icon=":material/task_alt:")
        return
    ranked = rank_by_value(risks, day, currency).head(executive.TOP_RISKS)
    view, config = risk_view(ranked, reading, currency)
    st.dataframe(view, hide_index=True, width="stretch", column_config=config)
    rates = f"ECB rates of {rate_day(day.rate_date)}" if day else "no ECB rates loaded"
    help_line(
        f"Largest first by their value in {currency} ({rates}); amounts in a currency without "
        "a rate follow, currency by currency. The record view shows each record in every system."
    )


def _charts(identity: Identity, window: Window, weeks: Frame) -> None:
    left, right = st.columns(2)
    with left:
        title = "SLA attainment per flow"
        if len(weeks):
            goals = attainment.targets(runtime().settings, [str(f) for f in weeks["flow"]])
            st.plotly_chart(charts.attainment_weeks(weeks, goals, title=title), width="stretch")
        else:
            st.plotly_chart(charts.empty(title, "No SLA attainment computed yet."), width="stretch")
        help_line("This week's mean per flow in its colour, last week's in grey above it; the "
                  "red mark is the flow's target.")  # fmt: skip
    with right:
        title = "Each problem's money, one panel per currency"
        money = problem_money_view(executive.problem_money(identity, window))
        if len(money):
            st.plotly_chart(charts.money_bars(money, x="Problem", color="Problem", title=title),
                            width="stretch")  # fmt: skip
        else:
            st.plotly_chart(charts.empty(title, "No open problem carries money."), width="stretch")
        help_line(
            "A record with two problems (an invoice neither posted nor paid in the ERP) counts "
            "under both; currencies are never drawn on one scale."
        )


def main() -> None:
    """Draw the executive overview."""
    identity = page_guard("executive")
    window = current_window(identity)
    reading = page_reading(window)
    st.title("KPI overview")
    st.caption(
        f"The seven days to {instant(window.until, reading.zone)} (the latest compute), against "
        "the seven days before."
    )
    as_of = window.until.astimezone(reading.zone).date()
    day = executive.rates(identity, as_of)
    totals = executive.risk_totals(identity, window)
    cols = st.columns([1.1, 1.1, 0.9, 0.9])
    weeks = _attainment_tile(cols[0], identity, window)
    _money_tile(cols[1], totals, day, as_of)
    _records_tiles(cols[2], cols[3], totals)
    _largest_risks(identity, window, reading, day, totals)
    _charts(identity, window, weeks)

    st.subheader("Weekly KPI reports")
    reports = executive.reports(identity, window)
    if len(reports) == 0:
        st.info("No weekly report yet: the first is generated on the configured schedule.")
        return
    settings = runtime().settings
    for row in reports.itertuples():
        with st.expander(f"Week {row.week} · {row.period_start:%d %b} – {row.period_end:%d %b}"):
            try:
                report = WeeklyReport.model_validate(row.content)
            except ValidationError:
                st.warning("This report was stored in an older format; its raw content follows.")
                st.json(row.content)
                continue
            message = report_message(report, settings)
            show_report(message)
            st.download_button(
                "Download (Markdown)", to_markdown(message), f"kpi-report-{row.week}.md",
                "text/markdown",
                key=f"executive.report.{row.week}",
            )  # fmt: skip


main()
