"""An incremental compute ends exactly where a full compute of the same store and instant does.

A generated world is written as it stood at several instants (records appear, change, get
paid, posted and voided between them), with targeted changes in between: references moved,
records deleted outright, totals changed, new middleware lines, a write that commits while a
compute runs, an identity-map decision. After each incremental compute the status and
exception documents are captured, a full compute of the same instant is run, and both
documents must be identical.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from core.config.metrics import MetricSettings
from core.database import Database
from core.store.events import LogEventRow, append_events
from core.store.records import upsert_records
from metrics.engine import Evaluation, compute
from metrics.matching import confirm_match
from metrics.results import exceptions_document, status_document
from sandbox.generator import WorldSpec, iter_bundles
from sandbox.store_loader import rows
from testkit.running_sandbox import NOW, profile_with
from tests.metrics.fixtures import open_items as open_ids
from tests.metrics.fixtures import value
from tests.metrics.test_ground_truth import HEAVY_FAULTS

H = timedelta(hours=1)
SPEC = WorldSpec(
    seed=5, profile=profile_with("default", accounts=300, faults=HEAVY_FAULTS), now=NOW
)


def write_world(db: Database, at: datetime) -> None:
    """Write every record and log line of the world as it stood at ``at``."""
    with db.connection() as conn, conn.transaction():
        records, events = [], []
        for loaded in rows(iter_bundles(SPEC), at):
            records += loaded.records
            events += loaded.events
        upsert_records(conn, records, at=at)
        append_events(conn, events)


def documents(db: Database) -> dict[str, Any]:
    with db.connection() as conn:
        return json.loads(
            json.dumps({"status": status_document(conn), "exceptions": exceptions_document(conn)})
        )


def assert_same_as_full(db: Database, settings: Settings, at: datetime) -> Evaluation:
    """Compute incrementally at ``at``, then fully, and compare what each leaves."""
    evaluation = compute(db, settings, at)
    incremental = documents(db)
    assert compute(db, settings, at, full=True).incremental is False
    assert incremental == documents(db)
    return evaluation


def one(db: Database, sql: str, *params: Any) -> Any:
    with db.connection() as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row[0] if len(row) == 1 else row


def execute(db: Database, sql: str, *params: Any) -> int:
    with db.connection() as conn:
        return conn.execute(sql, params).rowcount


def unapplied_payments(db: Database, at: datetime) -> list[str]:
    """Billing invoices paid by ``at`` and posted, but not marked paid in the ERP."""
    with db.connection() as conn:
        found = conn.execute(
            "SELECT i.external_id FROM source_record i WHERE i.system = 'stripe' "
            "AND i.object_type = 'invoice' AND i.paid_at <= %s AND i.voided_at IS NULL "
            "AND EXISTS (SELECT 1 FROM source_record e WHERE e.system = 'netsuite' "
            "AND e.object_type = 'invoice' AND e.link_ref = i.external_id) "
            "AND NOT EXISTS (SELECT 1 FROM source_record e WHERE e.system = 'netsuite' "
            "AND e.object_type = 'invoice' AND e.link_ref = i.external_id AND e.paid_at <= %s) "
            "ORDER BY i.paid_at, i.external_id",
            (at, at),
        ).fetchall()
    return [r[0] for r in found]


def log_line(flow: str, invoice: str, status: str, ts: datetime) -> LogEventRow:
    """One middleware attempt for ``invoice`` in ``flow``."""
    return LogEventRow(
        ts=ts, flow=flow, correlation_id=f"c-late-{invoice}", source_system="stripe",
        source_id=invoice, target_system="netsuite", target_id=None, status=status, attempt=3,
        error_code="E42", error_message="posting period closed", duration_ms=12, origin="test",
        raw={"line": "late", "flow": flow, "source_id": invoice},
    )  # fmt: skip


def open_invoices(db: Database, at: datetime) -> list[str]:
    """Billing invoices finalised by ``at`` with no ERP invoice, oldest first."""
    with db.connection() as conn:
        found = conn.execute(
            "SELECT i.external_id FROM source_record i WHERE i.system = 'stripe' "
            "AND i.object_type = 'invoice' AND i.finalized_at <= %s AND i.voided_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM source_record e WHERE e.system = 'netsuite' "
            "AND e.object_type = 'invoice' AND e.link_ref = i.external_id) "
            "ORDER BY i.finalized_at, i.external_id",
            (at,),
        ).fetchall()
    return [r[0] for r in found]


@pytest.fixture
def settings() -> Settings:
    return Settings()


def test_first_compute_is_full_and_the_next_incremental(db: Database, settings: Settings) -> None:
    write_world(db, NOW - 7 * 24 * H)
    assert compute(db, settings, NOW - 7 * 24 * H).incremental is False
    write_world(db, NOW - 2 * 24 * H)
    assert assert_same_as_full(db, settings, NOW - 2 * 24 * H).incremental is True
    assert (
        one(db, "SELECT incremental FROM metric_evaluation WHERE ts = %s", NOW - 7 * 24 * H)
        is False
    )


def test_moved_deleted_and_changed_records(db: Database, settings: Settings) -> None:
    at = NOW - 2 * 24 * H
    write_world(db, at)
    compute(db, settings, at)
    changes: list[Callable[[], int]] = [
        # An ERP invoice re-posted against another billing invoice: both items change.
        lambda: execute(
            db,
            "UPDATE source_record SET link_ref = %s WHERE (system, object_type, external_id) = "
            "(SELECT system, object_type, external_id FROM source_record WHERE system = "
            "'netsuite' AND object_type = 'invoice' ORDER BY external_id LIMIT 1)",
            open_invoices(db, at)[0],
        ),
        # A billing customer moved to another account, and an ERP customer deleted outright.
        lambda: execute(
            db,
            "UPDATE source_record SET account_ref = (SELECT external_id FROM source_record "
            "WHERE system = 'salesforce' AND object_type = 'account' ORDER BY external_id "
            "LIMIT 1) WHERE (system, object_type, external_id) = (SELECT system, object_type, "
            "external_id FROM source_record WHERE system = 'stripe' AND object_type = "
            "'customer' ORDER BY external_id DESC LIMIT 1)",
        ),
        lambda: execute(
            db,
            "DELETE FROM source_record WHERE (system, object_type, external_id) = (SELECT "
            "system, object_type, external_id FROM source_record WHERE system = 'netsuite' "
            "AND object_type = 'customer' ORDER BY external_id LIMIT 1)",
        ),
        # A deleted CRM account, a changed ERP total and a voided billing invoice.
        lambda: execute(
            db,
            "UPDATE source_record SET is_deleted = true WHERE system = 'salesforce' "
            "AND object_type = 'account' AND external_id = (SELECT max(c.account_ref) FROM "
            "source_record c JOIN source_record a ON a.system = 'salesforce' "
            "AND a.object_type = 'account' AND a.external_id = c.account_ref "
            "AND NOT a.is_deleted WHERE c.system = 'netsuite' AND c.object_type = 'customer')",
        ),
        lambda: execute(
            db,
            "UPDATE source_record SET amount_minor = amount_minor + 1 WHERE system = "
            "'netsuite' AND object_type = 'invoice' AND external_id = (SELECT max(external_id) "
            "FROM source_record WHERE system = 'netsuite' AND object_type = 'invoice')",
        ),
        lambda: execute(
            db,
            "UPDATE source_record SET voided_at = %s WHERE system = 'stripe' "
            "AND object_type = 'invoice' AND external_id = %s",
            at - H,
            open_invoices(db, at)[1],
        ),
    ]
    for step, change in enumerate(changes, start=1):
        assert change() == 1, f"change {step} touched no record"
        assert assert_same_as_full(db, settings, at + step * H).incremental is True


def test_new_middleware_lines_and_a_write_committed_during_a_compute(
    db: Database, settings: Settings
) -> None:
    at = NOW - 2 * 24 * H
    write_world(db, at)
    compute(db, settings, at)
    invoice = open_invoices(db, at - 2 * H)[0]
    payments = unapplied_payments(db, at - 2 * H)
    with db.connection() as conn, conn.transaction():
        append_events(
            conn,
            [
                log_line("invoice_billing_to_erp", invoice, "dead_letter", at + H / 2),
                # A payment attempt failed; another is being retried: neither failed nor silent.
                log_line("payment_billing_to_erp", payments[0], "failed", at + H / 2),
                log_line("payment_billing_to_erp", payments[1], "retrying", at + H / 2),
            ],
        )
    assert assert_same_as_full(db, settings, at + H).incremental is True
    for metric, record, status in (
        ("posting_failures", invoice, "dead_letter"),
        ("payment_posting_failures", payments[0], "failed"),
    ):
        assert (
            one(
                db,
                "SELECT related->>'last_status' FROM exception_item WHERE metric = %s "
                "AND external_id = %s AND resolved_at IS NULL",
                metric,
                record,
            )
            == status
        )
    assert payments[1] not in open_ids(db, "payment_posting_failures")
    assert payments[1] not in open_ids(db, "payment_silent_misses")

    # A writer holds an uncommitted change while a compute runs; the next compute sees it.
    writer = db.connect()
    try:
        writer.execute(
            "UPDATE source_record SET link_ref = %s WHERE system = 'netsuite' "
            "AND object_type = 'invoice' AND external_id = (SELECT min(external_id) "
            "FROM source_record WHERE system = 'netsuite' AND object_type = 'invoice')",
            (open_invoices(db, at)[2],),
        )
        compute(db, settings, at + 2 * H)
        writer.commit()
    finally:
        writer.close()
    assert assert_same_as_full(db, settings, at + 2 * H).incremental is True


def test_times_that_pass_between_computes(db: Database, settings: Settings) -> None:
    """The store already holds what happens after the instants computed."""
    write_world(db, NOW)
    compute(db, settings, NOW - 3 * 24 * H)
    for at in (NOW - 2 * 24 * H, NOW - 24 * H, NOW - 3 * H, NOW):
        assert assert_same_as_full(db, settings, at).incremental is True


def test_what_forces_a_full_compute(db: Database, settings: Settings) -> None:
    write_world(db, NOW)
    compute(db, settings, NOW)
    account, customer = one(
        db,
        "SELECT a.external_id, c.external_id FROM source_record a, source_record c "
        "WHERE a.system = 'salesforce' AND a.object_type = 'account' AND NOT a.is_deleted "
        "AND c.system = 'stripe' AND c.object_type = 'customer' "
        "AND c.account_ref IS DISTINCT FROM a.external_id ORDER BY 1, 2 LIMIT 1",
    )
    with db.connection() as conn:
        confirm_match(
            conn, system="stripe", crm_account_id=account, customer_id=customer,
            actor="rory", at=NOW,
        )  # fmt: skip
    assert compute(db, settings, NOW + H).incremental is False  # the identity map changed
    assert compute(db, settings, NOW + 2 * H).incremental is True
    assert compute(db, settings, NOW + H).incremental is False  # an earlier instant
    stricter = Settings.model_validate({"flows": {"invoice_billing_to_erp": {"sla": "30m"}}})
    assert compute(db, stricter, NOW + 2 * H).incremental is False  # another SLA
    assert compute(db, stricter, NOW + 2 * H, full=True).incremental is False
    exact = value(compute(db, stricter, NOW + 2 * H), "amount_mismatches")
    tolerant = stricter.model_copy(
        update={"metrics": MetricSettings.model_validate({"mismatch_tolerance": {"USD": 0.01}})}
    )
    within_a_cent = compute(db, tolerant, NOW + 2 * H)  # another tolerance
    assert within_a_cent.incremental is False
    assert (value(within_a_cent, "amount_mismatches") or 0) < (exact or 0)
    assert assert_same_as_full(db, tolerant, NOW + 3 * H).incremental is True
    # After a crash PostgreSQL empties the unlogged state; the next compute is a full one.
    execute(db, "TRUNCATE compute_state")
    assert compute(db, tolerant, NOW + 4 * H).incremental is False


def test_the_compute_command_says_which_kind_it_ran(
    db: Database, repo_root: Path, tmp_path: Path
) -> None:
    write_world(db, NOW)

    def syncwatch(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "syncwatch", "--now", NOW.isoformat(), *args],
            capture_output=True, text=True, cwd=tmp_path, check=False,
            env={**os.environ, "DATABASE_URL": db.url, "PYTHONPATH": str(repo_root)},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert syncwatch("compute").rstrip().endswith("(full)")
    assert syncwatch("compute").rstrip().endswith("(incremental)")
    assert syncwatch("compute", "--full").rstrip().endswith("(full)")
    assert json.loads(syncwatch("status", "--json"))["evaluated_at"] == "2026-11-20T12:00:00Z"


def flagged_balances(db: Database) -> dict[tuple[str, str], int | None]:
    """The open balance each orphan or duplicate customer's exception item shows."""
    with db.connection() as conn:
        return {
            (e["metric"], e["external_id"]): e["amount_minor"]
            for e in exceptions_document(conn)["exceptions"]
            if e["metric"] in ("orphan_customers", "duplicate_customers")
        }


def test_open_balances_follow_invoices_paid_and_moved(db: Database, settings: Settings) -> None:
    at = NOW - 2 * 24 * H
    write_world(db, at)
    compute(db, settings, at)
    before = flagged_balances(db)
    owing = sorted(
        customer for (_, customer), amount in before.items() if amount and customer.isdigit()
    )
    assert owing, "the world should hold a flagged ERP customer with open invoices"
    invoice, total = one(
        db,
        "SELECT external_id, amount_minor FROM source_record WHERE system = 'netsuite' "
        "AND object_type = 'invoice' AND parent_ref = %s AND paid_at IS NULL "
        "ORDER BY external_id LIMIT 1",
        owing[0],
    )
    other = one(
        db,
        "SELECT external_id FROM source_record WHERE system = 'netsuite' "
        "AND object_type = 'customer' AND external_id <> ALL(%s) ORDER BY external_id LIMIT 1",
        [customer for _, customer in before],
    )

    def move_to(customer: str) -> int:
        return execute(
            db,
            "UPDATE source_record SET parent_ref = %s WHERE system = 'netsuite' "
            "AND object_type = 'invoice' AND external_id = %s",
            customer,
            invoice,
        )

    # The invoice moves to an unflagged customer: only the old customer's note brings it back.
    assert move_to(other) == 1
    assert assert_same_as_full(db, settings, at + H).incremental is True
    moved = flagged_balances(db)
    assert moved != before
    assert all(moved[k] == ((before[k] or 0) - total or None) for k in moved if k[1] == owing[0])
    assert move_to(owing[0]) == 1
    assert assert_same_as_full(db, settings, at + 2 * H).incremental is True
    assert flagged_balances(db) == before
    # Paid between two computes.
    assert (
        execute(
            db,
            "UPDATE source_record SET paid_at = %s, status = 'B' WHERE system = 'netsuite' "
            "AND object_type = 'invoice' AND external_id = %s",
            at + 3 * H,
            invoice,
        )
        == 1
    )
    assert assert_same_as_full(db, settings, at + 4 * H).incremental is True
    assert flagged_balances(db) == moved
