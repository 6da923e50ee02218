"""Readable sample notifications shared by the renderer and delivery tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alerts.messages import (
    AlertLine,
    AlertMessage,
    AlertState,
    Envelope,
    Money,
    RecordRef,
    ReportLine,
    ReportMessage,
    ReportSection,
    ThreadReply,
)
from alerts.weekly import FlowKpi, Level, TopException, WeeklyReport
from alerts.weekly_changes import Figure, MetricChange, WeekChanges
from alerts.weekly_incidents import AlertKpi
from alerts.weekly_risks import NewRisk
from alerts.weekly_totals import Total

STARTED = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DASHBOARD = "http://dash.example/integration"


def invoice(n: int, amount_minor: int, currency: str = "USD") -> RecordRef:
    """An unposted invoice with its id in Stripe and its dashboard link."""
    return RecordRef(
        label=f"Invoice INV-{n:04d}",
        ids={"stripe": f"in_{n:04d}", "salesforce": f"001A{n:05d}"},
        amount=Money(amount_minor=amount_minor, currency=currency),
        since=STARTED - timedelta(hours=n),
        url=f"{DASHBOARD}/records/stripe/invoice/in_{n:04d}",
    )


def posting_alert(state: AlertState = "firing") -> AlertMessage:
    """A critical posting-failure alert with USD and JPY money at risk."""
    return AlertMessage(
        state=state,
        rule="posting_failures",
        title="Invoices failing to post to NetSuite",
        severity="critical",
        summary="Finalized Stripe invoices failed to post to the ERP <after retries>.",
        lines=[
            AlertLine(
                labels={"flow": "invoice_billing_to_erp"},
                value=42,
                threshold=10,
                op=">",
                unit="count",
                money=[
                    Money(amount_minor=12_345_67, currency="USD"),
                    Money(amount_minor=1_000_000, currency="JPY"),
                ],
                records_affected=42,
                top_records=[invoice(1, 4_200_00), invoice(2, 500_000, "JPY"), invoice(3, 99)],
            ),
            AlertLine(
                labels={"flow": "payment_billing_to_erp"},
                value=0.812,
                threshold=0.95,
                op="<",
                unit="ratio",
            ),
        ],
        owner="finance",
        runbook_url="https://runbooks.example/posting-failures",
        dashboard_url=DASHBOARD,
        started_at=STARTED,
        resolved_at=STARTED + timedelta(hours=2, minutes=5) if state == "resolved" else None,
    )


def acknowledged_alert() -> AlertMessage:
    """The posting-failure alert, still firing, its first line acknowledged by ivan."""
    message = posting_alert("updated")
    first = message.lines[0].model_copy(
        update={"acknowledged_by": "ivan", "acknowledged_at": STARTED + timedelta(minutes=12)}
    )
    return message.model_copy(
        update={
            "lines": [first, *message.lines[1:]],
            "alerts_url": "http://dash.example/alerts?rule=posting_failures",
        }
    )


def lag_alert(flows: int, records: int) -> AlertMessage:
    """A warning over ``flows`` label sets with ``records`` records each (for truncation)."""
    lines = [
        AlertLine(
            labels={"flow": f"flow_{i:02d}"},
            value=7200 + i,
            threshold=3600,
            op=">",
            unit="seconds",
            money=[Money(amount_minor=100_00 * (i + 1), currency="EUR")],
            records_affected=records,
            top_records=[invoice(j, 1000 * j, "EUR") for j in range(1, records + 1)],
        )
        for i in range(flows)
    ]
    return AlertMessage(
        state="firing",
        rule="sync_lag",
        title="Sync lag over SLA " + "very " * 40 + "long title",
        severity="warning",
        summary="p95 lag is above the SLA.",
        lines=lines,
        owner="integration",
        dashboard_url=DASHBOARD,
        started_at=STARTED,
    )


def reply(text: str = "Resolved after 2 h 5 min: all 42 invoices posted.") -> ThreadReply:
    """A thread reply."""
    return ThreadReply(text=text)


def report() -> ReportMessage:
    """A short weekly report message."""
    return ReportMessage(
        title="Weekly sync health",
        period="2026-W47",
        headline="SLA attainment 97.5% (+1.2 pts); $12,345.67 at risk in posting failures.",
        sections=[
            ReportSection(
                title="SLA attainment",
                lines=[
                    ReportLine(label="invoice_billing_to_erp", value="95.0%", change="+5.0 pts"),
                    ReportLine(label="account_crm_to_erp", value="100.0%", change=None),
                ],
            ),
            ReportSection(title="Top exceptions", lines=[]),
        ],
        dashboard_url="http://dash.example/executive",
    )


def usd(minor: int) -> Money:
    """An amount in US cents."""
    return Money(amount_minor=minor, currency="USD")


def money(minor: int, currency: str) -> Money:
    """An amount in minor units of ``currency``."""
    return Money(amount_minor=minor, currency=currency)


def figure(
    count: int, *amounts: Money, total: int | None = None, left_out: tuple[str, ...] = ()
) -> Figure:
    """Items and their money; ``total`` in US cents at the ECB rates of Friday 20 Nov 2026."""
    converted = Total(currency="USD", as_of=date(2026, 11, 22), amount_minor=total,
                      rate_date=date(2026, 11, 20), left_out=list(left_out))  # fmt: skip
    return Figure(count=count, amounts=list(amounts), total=converted if amounts else None)


def week(new: Figure, fixed: Figure, still_open: Figure) -> WeekChanges:
    """One week's new, fixed and still open items."""
    return WeekChanges(new=new, fixed=fixed, still_open=still_open)


NONE = figure(0)


def metric_changes() -> list[MetricChange]:
    """Changes of W47 against W46: money in several currencies, a split, a metric without money
    and a quiet one."""
    return [
        MetricChange(
            metric="posting_failures", labels={},
            this_week=week(figure(3, money(500_000, "JPY"), usd(420_000), total=740_000),
                           figure(1, usd(90_000), total=90_000),
                           figure(4, money(500_000, "JPY"), usd(510_000), total=830_000)),
            last_week=week(figure(2, usd(90_000), total=90_000), NONE,
                           figure(2, usd(90_000), total=90_000)),
        ),
        MetricChange(
            metric="amount_mismatches", labels={},
            this_week=week(figure(1, money(12_000, "CHF"), usd(100), total=100, left_out=("CHF",)),
                           NONE,
                           figure(1, money(12_000, "CHF"), usd(100), total=100, left_out=("CHF",))),
            last_week=week(NONE, NONE, NONE),
        ),
        MetricChange(
            metric="unmatched_accounts", labels={"system": "netsuite"},
            this_week=week(NONE, figure(2, usd(2_400_000), total=2_400_000),
                           figure(3, usd(1_200_000), total=1_200_000)),
            last_week=week(figure(1, usd(600_000), total=600_000), NONE,
                           figure(5, usd(3_600_000), total=3_600_000)),
        ),
        MetricChange(
            metric="orphan_customers", labels={"system": "stripe"},
            this_week=week(figure(2), NONE, figure(2)),
            last_week=week(NONE, NONE, NONE),
        ),
        MetricChange(
            metric="sla_breaches", labels={"flow": "invoice_billing_to_erp"},
            this_week=week(figure(5, usd(510_000), total=510_000),
                           figure(1, usd(90_000), total=90_000),
                           figure(4, usd(420_000), total=420_000)),
            last_week=week(NONE, NONE, NONE),
        ),
        MetricChange(metric="clock_skew_items", labels={}, this_week=week(NONE, NONE, NONE),
                     last_week=week(NONE, NONE, NONE)),
    ]  # fmt: skip


def new_risks() -> list[NewRisk]:
    """The week's largest new risks: a hostile invoice, one converted, one without a rate."""
    return [
        NewRisk(system="stripe", object_type="invoice", external_id="in_A|<b>&co",
                name="INV-0042 <b>", customer="Acme *Corp* | [x](http://evil.example)",
                metrics=["posting_failures", "sla_breaches"], amount=usd(420_000),
                converted=usd(420_000), found_at=datetime(2026, 11, 20, 0, 5, tzinfo=UTC),
                since=datetime(2026, 11, 19, 23, 30, tzinfo=UTC), owner="finance",
                assignee="fiona"),
        NewRisk(system="stripe", object_type="invoice", external_id="in_J", name="INV-0051",
                customer="Kaisha KK", metrics=["posting_failures"],
                amount=money(500_000, "JPY"), converted=usd(320_000),
                found_at=datetime(2026, 11, 21, 0, 5, tzinfo=UTC),
                since=datetime(2026, 11, 21, tzinfo=UTC), owner="finance", assignee=None),
        NewRisk(system="salesforce", object_type="account", external_id="001C", name="Zürich AG",
                customer="Zürich AG", metrics=["unmatched_accounts"], amount=money(12_000, "CHF"),
                converted=None, found_at=datetime(2026, 11, 22, 12, tzinfo=UTC),
                since=datetime(2026, 11, 22, 12, tzinfo=UTC), owner=None, assignee=None),
    ]  # fmt: skip


def weekly_report() -> WeeklyReport:
    """W47 of 2026 in Europe/Berlin: every kind of figure, missing ones and text to escape."""
    return WeeklyReport(
        week="2026-W47",
        previous_week="2026-W46",
        timezone="Europe/Berlin",
        period_start=datetime(2026, 11, 15, 23, tzinfo=UTC),
        period_end=datetime(2026, 11, 22, 23, tzinfo=UTC),
        generated_at=STARTED,
        flows=[
            FlowKpi(flow="invoice_billing_to_erp", attainment=0.8, attainment_prev=0.74,
                    lag_p95_seconds=900, lag_p95_prev=1800),
            FlowKpi(flow="account_crm_to_erp", attainment=1.0, attainment_prev=None,
                    lag_p95_seconds=None, lag_p95_prev=None),
        ],
        unmatched_accounts={
            "netsuite": Level(count=3, count_prev=4,
                              amounts=[Money(amount_minor=5_000_000, currency="JPY"),
                                       usd(1_200_000)],
                              amounts_prev=[usd(900_000)]),
            "stripe": Level(count=None, count_prev=None, amounts=[], amounts_prev=[]),
        },
        stuck_amendments=Level(count=0, count_prev=1, amounts=[], amounts_prev=[]),
        posting_failures=Level(count=3, count_prev=0, amounts=[usd(420_000)], amounts_prev=[]),
        top_exceptions=[
            TopException(system="stripe", object_type="invoice", external_id="in_A|<b>&co",
                         metrics=["posting_failures", "sla_breaches"], amount=usd(420_000),
                         since=datetime(2026, 11, 19, 23, 30, tzinfo=UTC), owner="finance"),
        ],
        alerts=AlertKpi(fired=3, fired_prev=2, fired_by_severity={"warning": 2, "critical": 1},
                        acknowledged=2, mtta_seconds=3600, resolved=2,
                        mttr_seconds=(7200 + 6 * 86400) / 2),
        changes=metric_changes(),
        new_risks=new_risks(),
    )  # fmt: skip


def quiet_weekly_report() -> WeeklyReport:
    """The same week with nothing measured, nothing at risk and no alerts."""
    nothing = Level(count=None, count_prev=None, amounts=[], amounts_prev=[])
    return weekly_report().model_copy(
        update={
            "flows": [FlowKpi(flow="invoice_billing_to_erp", attainment=None,
                              attainment_prev=None, lag_p95_seconds=None, lag_p95_prev=None)],
            "unmatched_accounts": {"netsuite": nothing, "stripe": nothing},
            "stuck_amendments": nothing,
            "posting_failures": nothing,
            "top_exceptions": [],
            "alerts": AlertKpi(fired=0, fired_prev=0, fired_by_severity={}, acknowledged=0,
                               mtta_seconds=None, resolved=0, mttr_seconds=None),
            "changes": [MetricChange(metric="posting_failures", labels={},
                                     this_week=week(NONE, NONE, NONE),
                                     last_week=week(NONE, NONE, NONE))],
            "new_risks": [],
        }
    )  # fmt: skip


def stored_before_changes() -> WeeklyReport:
    """The sample week as a report stored before changes and new risks were recorded."""
    return weekly_report().model_copy(update={"changes": None, "new_risks": None})


def envelope(message: AlertMessage | ThreadReply | ReportMessage) -> dict[str, object]:
    """The outbox payload of a message."""
    return Envelope(message=message).model_dump(mode="json")
