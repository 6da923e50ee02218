"""Executive: are we syncing on time, and how much money is at risk? (KPIs, SLA, reports)."""

from __future__ import annotations

from datetime import datetime

import streamlit as st
from pydantic import ValidationError

from alerts.report_markdown import to_markdown
from alerts.weekly import WeeklyReport
from alerts.weekly_message import report_message
from app import charts
from app.components import data_table, help_line, tile
from app.filters import current_window
from app.queries import executive
from app.queries.core import Frame
from app.runtime import runtime
from app.session import page_guard
from app.text import plain
from core.display import converted_total, metric_title, money_list
from core.roles import Identity


def main() -> None:
    """Draw the executive overview."""
    identity = page_guard("executive")
    window = current_window(identity)
    st.title("KPI overview")
    st.caption(f"As of the latest compute, {window.until:%Y-%m-%d %H:%M} UTC.")
    kpis = executive.kpis(identity, window)
    if len(kpis) == 0:
        st.info("No metrics computed yet: run `syncwatch compute` (or start the scheduler).")
        return
    cols = st.columns(5)
    tile(
        cols[0],
        "SLA attainment",
        kpis,
        ["sla_attainment"],
        "Share of the last 24 h's items that reached their target within the SLA, mean of flows.",
        mean=True,
    )
    tile(
        cols[1],
        "Open backlog",
        kpis,
        ["sync_backlog"],
        "Items not yet reflected in their target system, any age, all flows.",
    )
    tile(
        cols[2],
        "Invoices not in ERP",
        kpis,
        ["posting_failures", "silent_misses"],
        "Finalized invoices absent from NetSuite: failed postings plus silent misses.",
    )
    tile(
        cols[3],
        "Stuck amendments",
        kpis,
        ["stuck_amendments"],
        "Approved amendments not applied in billing after their SLA.",
    )
    tile(cols[4], "Amount mismatches", kpis, ["amount_mismatches"],
         "Posted invoices whose ERP total differs from billing.")  # fmt: skip
    left, right = st.columns(2)
    with left:
        sla = kpis[kpis["name"] == "sla_attainment"].copy()
        if len(sla):
            sla["flow"] = [lbl["flow"] for lbl in sla["labels"]]
            st.plotly_chart(
                charts.attainment(sla, flow="flow", value="value", title="SLA attainment per flow"),
                width="stretch",
            )
        help_line("Dotted line: the 95 % target. Items from the last 24 hours, matched or open.")
    with right:
        risk = executive.money_at_risk(identity, window)
        if len(risk):
            risk["Problem"] = [metric_title(m) for m in risk["metric"]]
            st.plotly_chart(
                charts.money_bars(risk, x="Problem", color="Problem",
                                  title="Money at risk, one panel per currency"),
                width="stretch",
            )  # fmt: skip
            _risk_total(identity, risk, window.until)
        else:
            st.info("No money at risk: no open exception carries an amount.")
        help_line(
            "Open exception amounts per currency; the total beside them converts each at the "
            "ECB's euro reference rates of the day named."
        )
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
            st.markdown(to_markdown(message, text=plain))
            st.download_button(
                "Download (Markdown)", to_markdown(message), f"kpi-report-{row.week}.md",
                "text/markdown",
                key=f"executive.report.{row.week}",
            )  # fmt: skip
    data_table(reports.drop(columns=["content"]), "executive.reports", empty="", drill=None)


def _risk_total(identity: Identity | None, risk: Frame, until: datetime) -> None:
    """The money at risk per currency, and beside it one total in the reporting currency."""
    settings = runtime().settings
    per_currency = risk.groupby("currency")["amount_minor"].sum()
    amounts = {str(code).strip(): int(amount) for code, amount in per_currency.items()}
    as_of = until.astimezone(settings.zone).date()
    total = executive.money_at_risk_total(identity, risk, settings.reporting_currency, as_of)
    converted = converted_total(
        total.currency, total.amount_minor, total.rate_date, total.left_out, total.as_of
    )
    st.markdown(f"**Money at risk** {plain(money_list(amounts))}  \n{plain(converted)}")


main()
