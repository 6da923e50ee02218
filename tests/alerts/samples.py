"""Readable sample notifications shared by the renderer and delivery tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


def reply(text: str = "Resolved after 2h 5m: all 42 invoices posted.") -> ThreadReply:
    """A thread reply."""
    return ThreadReply(text=text)


def report() -> ReportMessage:
    """A short weekly report message."""
    return ReportMessage(
        title="Weekly sync health",
        period="2026-W47",
        headline="SLA attainment 97.5% (+1.2 pts); 12,345.67 USD at risk in posting failures.",
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


def envelope(message: AlertMessage | ThreadReply | ReportMessage) -> dict[str, object]:
    """The outbox payload of a message."""
    return Envelope(message=message).model_dump(mode="json")
