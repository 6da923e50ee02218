"""Small, readable store fixtures for metric tests, written the way the collectors write."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import Settings
from core.database import Database
from core.store.events import LogEventRow, append_events
from core.store.records import CanonicalRecord, upsert_records
from metrics.engine import Evaluation, compute

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
_ids = itertools.count(1)


@dataclass
class Store:
    """Records and log lines to write before a compute."""

    records: list[CanonicalRecord] = field(default_factory=list)
    events: list[LogEventRow] = field(default_factory=list)

    def account(
        self,
        id_: str,
        *,
        created: datetime,
        arr: int = 120_000_00,
        currency: str = "USD",
        deleted: bool = False,
    ) -> str:
        self.records.append(
            CanonicalRecord(
                "salesforce",
                "account",
                id_,
                {"Id": id_},
                account_ref=id_,
                name=f"Acct {id_}",
                amount_minor=arr,
                currency=currency,
                created_at=created,
                updated_at=created,
                is_deleted=deleted,
            )
        )
        return id_

    def customer(self, system: str, id_: str, *, account: str | None, created: datetime) -> str:
        self.records.append(
            CanonicalRecord(
                system,
                "customer",
                id_,
                {"id": id_},
                account_ref=account,
                created_at=created,
                updated_at=created,
            )
        )
        return id_

    def invoice(
        self,
        id_: str,
        *,
        finalized: datetime,
        total: int = 100_00,
        currency: str = "USD",
        paid: datetime | None = None,
        voided: datetime | None = None,
        customer: str | None = None,
        created: datetime | None = None,
    ) -> str:
        status = "void" if voided else "paid" if paid else "open"
        self.records.append(
            CanonicalRecord(
                "stripe",
                "invoice",
                id_,
                {"id": id_},
                parent_ref=customer,
                status=status,
                amount_minor=total,
                currency=currency,
                created_at=created or finalized - timedelta(minutes=5),
                updated_at=voided or paid or finalized,
                finalized_at=finalized,
                paid_at=paid,
                voided_at=voided,
            )
        )
        return id_

    def erp_invoice(
        self,
        stripe_id: str,
        *,
        created: datetime,
        total: int = 100_00,
        currency: str = "USD",
        paid: datetime | None = None,
        customer: str | None = None,
    ) -> str:
        id_ = str(next(_ids))
        self.records.append(
            CanonicalRecord(
                "netsuite",
                "invoice",
                id_,
                {"id": id_},
                link_ref=stripe_id,
                parent_ref=customer,
                status="B" if paid else "A",
                amount_minor=total,
                currency=currency,
                created_at=created,
                updated_at=paid or created,
                paid_at=paid,
            )
        )
        return id_

    def log(
        self,
        stripe_id: str,
        status: str,
        *,
        ts: datetime,
        attempt: int = 1,
        flow: str = "invoice_billing_to_erp",
    ) -> dict[str, Any]:
        raw = {
            "ts": ts.isoformat(),
            "flow": flow,
            "source_id": stripe_id,
            "status": status,
            "attempt": attempt,
            "correlation_id": f"c-{stripe_id}",
        }
        self.events.append(
            LogEventRow(
                ts=ts,
                flow=flow,
                status=status,
                raw=raw,
                correlation_id=f"c-{stripe_id}",
                source_system="stripe",
                source_id=stripe_id,
                target_system="netsuite",
                attempt=attempt,
            )
        )
        return raw

    def write(self, db: Database) -> None:
        with db.connection() as conn, conn.transaction():
            upsert_records(conn, self.records, at=NOW)
            append_events(conn, self.events)

    def compute(
        self, db: Database, now: datetime = NOW, settings: Settings | None = None
    ) -> Evaluation:
        self.write(db)
        return compute(db, settings or Settings(), now)


def value(evaluation: Evaluation, name: str, **labels: str) -> float | None:
    """The value of one metric series, or None when it was not emitted."""
    for m in evaluation.metrics:
        if m.name == name and m.labels == labels:
            return m.value
    return None


def open_items(db: Database, metric: str) -> set[str]:
    """External ids of the open exception items of one metric."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT external_id FROM exception_item WHERE metric = %s AND resolved_at IS NULL",
            (metric,),
        ).fetchall()
    return {r[0] for r in rows}
