"""Ground truth of the five flows: each eligible source item and the target that reflects it.

This module reads only the sandbox's entities. It deliberately shares no code with the
product's metric SQL, so the two can check each other.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.model import AccountBundle, FlowName
from sandbox.timeline import whole_seconds

SLA: dict[FlowName, timedelta] = {
    "account_crm_to_erp": timedelta(hours=24),
    "account_crm_to_billing": timedelta(hours=24),
    "amendment_crm_to_billing": timedelta(hours=4),
    "invoice_billing_to_erp": timedelta(hours=1),
    "payment_billing_to_erp": timedelta(hours=24),
}
FLOW_NAMES: tuple[FlowName, ...] = tuple(SLA)


@dataclass(frozen=True, slots=True)
class FlowItem:
    """One eligible source item of a flow at ``now``, with its earliest reflection (if any)."""

    flow: FlowName
    system: str
    object_type: str
    external_id: str
    source_time: datetime
    target_time: datetime | None
    amount_minor: int
    currency: str
    target_amount_minor: int | None = None
    target_currency: str | None = None

    def lag_seconds(self, now: datetime) -> float:
        """Seconds from the source event to its reflection (or to ``now``), never negative."""
        end = self.target_time if self.target_time is not None else now
        return max(0.0, (end - self.source_time).total_seconds())

    @property
    def skewed(self) -> bool:
        """Whether the target is stamped before its source (a clock-skew item)."""
        return self.target_time is not None and self.target_time < self.source_time


def _earliest(instants: Sequence[datetime]) -> datetime | None:
    return min(instants) if instants else None


def account_live(bundle: AccountBundle, now: datetime) -> bool:
    """Whether the bundle's account exists at ``now`` and is not deleted."""
    account = bundle.account
    return account.created <= now and not account.deleted(now)


def flow_items(bundle: AccountBundle, now: datetime) -> Iterator[FlowItem]:
    """Every item of the bundle that is eligible in some flow at ``now``."""
    account = bundle.account
    if account_live(bundle, now):
        erp = [
            c.created
            for c in bundle.erp_customers
            if c.link(now) == account.id and c.created <= now and not c.deleted(now)
        ]
        billing = [
            c.created
            for c in bundle.billing_customers
            if c.crm_account_id == account.id and c.created <= now and not c.deleted(now)
        ]
        account_flows: tuple[tuple[FlowName, list[datetime]], ...] = (
            ("account_crm_to_erp", erp),
            ("account_crm_to_billing", billing),
        )
        for flow, targets in account_flows:
            yield FlowItem(
                flow, "salesforce", "account", account.id, account.created, _earliest(targets),
                account.arr_minor, account.currency.upper(),
            )  # fmt: skip
    applied = [a for s in bundle.subscriptions for a in s.amendments if a.applied_at <= now]
    for quote in bundle.amendments:
        if quote.approved_at is None or quote.approved_at > now:
            continue
        reflected = [a.applied_at for a in applied if a.amendment_id == quote.id]
        yield FlowItem(
            "amendment_crm_to_billing", "salesforce", "amendment", quote.id, quote.approved_at,
            _earliest(reflected), quote.net_amount_minor, quote.currency.upper(),
        )  # fmt: skip
    # An ERP invoice reflects only while it is in its table (committed, not deleted), through
    # the link and with the total it shows at now.
    erp_invoices = [e for e in bundle.erp_invoices if e.visible(now)]
    for invoice in bundle.invoices:
        void = invoice.voided_at is not None and invoice.voided_at <= now
        # Stripe shows whole seconds; a billing run's instants carry the fraction within one.
        finalized = whole_seconds(invoice.finalized_at) if invoice.finalized_at else None
        if finalized is not None and finalized <= now and not void:
            posted = sorted(
                (e for e in erp_invoices if e.link(now) == invoice.id), key=lambda e: e.created
            )
            first = posted[0] if posted else None
            yield FlowItem(
                "invoice_billing_to_erp", "stripe", "invoice", invoice.id, finalized,
                first.created if first else None, invoice.total_minor, invoice.currency.upper(),
                first.total(now) if first else None, first.currency.upper() if first else None,
            )  # fmt: skip
        if invoice.paid_at is not None and invoice.status(now) == "paid":
            paid = [
                e.paid_at
                for e in erp_invoices
                if e.link(now) == invoice.id and e.paid_at is not None and e.paid_at <= now
            ]
            paid_at = whole_seconds(invoice.paid_at)
            yield FlowItem(
                "payment_billing_to_erp", "stripe", "invoice", invoice.id, paid_at,
                _earliest(paid), invoice.total_minor, invoice.currency.upper(),
            )  # fmt: skip


def percentile_cont(ordered: Sequence[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont over already sorted values (linear interpolation)."""
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    if low + 1 >= len(ordered):
        return ordered[low]
    return ordered[low] + (ordered[low + 1] - ordered[low]) * (position - low)
