"""Load a generated world straight into the store, bypassing the HTTP simulators.

This is the benchmarks' load generator: a million accounts would take hours through the APIs'
rate limits, so their canonical rows are written directly, in the same shape the collectors
produce. Correctness tests never use it; they go through the real collectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.store.events import LogEventRow
from core.store.records import CanonicalRecord
from sandbox.model import AccountBundle, LogEvent


@dataclass(frozen=True, slots=True)
class LoadedRows:
    """Canonical rows and log events of one batch of bundles."""

    records: list[CanonicalRecord]
    events: list[LogEventRow]


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    host = website.lower().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host.removeprefix("www.") or None


def bundle_rows(bundle: AccountBundle, at: datetime) -> Iterator[CanonicalRecord]:
    """The canonical rows of one bundle as they stand at ``at``."""
    a = bundle.account
    if a.created <= at:
        yield CanonicalRecord(
            "salesforce", "account", a.id, {"Id": a.id}, account_ref=a.id, name=a.name,
            domain=_domain(a.website), amount_minor=a.arr_minor, currency=a.currency,
            created_at=a.created, updated_at=a.modstamp(at),
            is_deleted=a.deleted_at is not None and a.deleted_at <= at,
        )  # fmt: skip
    for q in bundle.amendments:
        if q.created <= at:
            approved = q.approved_at if q.status(at) == "Approved" else None
            yield CanonicalRecord(
                "salesforce", "amendment", q.id, {"Id": q.id}, account_ref=q.account_id,
                parent_ref=q.master_contract_id, status=q.status(at),
                amount_minor=q.net_amount_minor, currency=q.currency, created_at=q.created,
                updated_at=q.modstamp(at), approved_at=approved,
            )  # fmt: skip
    for c in bundle.billing_customers:
        if c.created <= at:
            yield CanonicalRecord(
                "stripe", "customer", c.id, {"id": c.id}, account_ref=c.crm_account_id,
                name=c.name, created_at=c.created, updated_at=c.created,
            )  # fmt: skip
    for s in bundle.subscriptions:
        if s.created <= at:
            latest = s.latest_amendment(at)
            yield CanonicalRecord(
                "stripe", "subscription", s.id, {"id": s.id}, parent_ref=s.customer_id,
                link_ref=latest.amendment_id if latest else None, status="active",
                amount_minor=s.amount_minor, currency=s.currency, created_at=s.created,
                updated_at=latest.applied_at if latest else s.created,
            )  # fmt: skip
            for change in s.amendments:
                if change.applied_at <= at:
                    yield CanonicalRecord(
                        "stripe", "subscription_change", change.event_id, {"id": change.event_id},
                        link_ref=change.amendment_id, parent_ref=s.id,
                        amount_minor=change.new_amount_minor, currency=s.currency,
                        created_at=change.applied_at, updated_at=change.applied_at,
                    )  # fmt: skip
    for i in bundle.invoices:
        if i.created <= at:

            def seen(t: datetime | None) -> datetime | None:
                return t if t is not None and t <= at else None

            yield CanonicalRecord(
                "stripe", "invoice", i.id, {"id": i.id}, name=i.number, parent_ref=i.customer_id,
                link_ref=i.subscription_id, status=i.status(at), amount_minor=i.total_minor,
                currency=i.currency, created_at=i.created,
                updated_at=max(t for t in (i.created, seen(i.finalized_at), seen(i.paid_at),
                                           seen(i.voided_at)) if t is not None),
                finalized_at=seen(i.finalized_at), paid_at=seen(i.paid_at),
                voided_at=seen(i.voided_at),
            )  # fmt: skip
    for e in bundle.erp_customers:
        if e.created <= at:
            yield CanonicalRecord(
                "netsuite", "customer", e.id, {"id": e.id}, account_ref=e.externalid or None,
                name=e.companyname, created_at=e.created, updated_at=e.lastmodified(at),
            )  # fmt: skip
    for n in bundle.erp_invoices:
        if n.created <= at:
            paid = n.status(at) == "B"
            yield CanonicalRecord(
                "netsuite", "invoice", n.id, {"id": n.id}, name=n.tranid, link_ref=n.externalid,
                parent_ref=n.entity, status=n.status(at), amount_minor=n.total_minor,
                currency=n.currency, created_at=n.created, updated_at=n.lastmodified(at),
                paid_at=n.lastmodified(at) if paid else None,
            )  # fmt: skip


def event_row(event: LogEvent) -> LogEventRow:
    """A log event as the log collector stores it."""
    raw: dict[str, Any] = event.as_json()
    return LogEventRow(
        ts=event.ts, flow=event.flow, status=event.status, raw=raw,
        correlation_id=event.correlation_id, source_system=event.source_system,
        source_id=event.source_id, target_system=event.target_system, target_id=event.target_id,
        attempt=event.attempt, error_code=event.error_code, error_message=event.error_message,
        duration_ms=event.duration_ms,
    )  # fmt: skip


def rows(bundles: Iterable[AccountBundle], at: datetime) -> Iterator[LoadedRows]:
    """Batches of rows, one batch per bundle, as of ``at``."""
    for bundle in bundles:
        yield LoadedRows(
            records=list(bundle_rows(bundle, at)),
            events=[event_row(e) for e in bundle.log_events if e.ts <= at],
        )
