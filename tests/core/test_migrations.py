"""Migrations apply, revert and re-apply cleanly; an unmigrated store is refused."""

from __future__ import annotations

import pytest

from core import migrations
from core.database import Database
from core.errors import NotMigratedError

EXPECTED_TABLES = {
    "source_record",
    "sync_event",
    "collector_run",
    "watermark",
    "source_health",
    "quarantine",
    "account_link",
    "metric_series",
    "metric_point",
    "metric_rollup",
    "exception_item",
    "exception_event",
    "alert",
    "alert_event",
    "sign_in_throttle",
    "silence",
    "notification_outbox",
    "kpi_report",
    "audit_log",
    "app_user",
    "metric_evaluation",
    "match_suggestion",
    "fx_rate",
    "alert_incident",
    "job_health",
    "job_start",
    "record_change",
    "compute_state",
    "compute_flow_item",
    "compute_invoice_posting",
    "compute_invoice_mismatch",
    "compute_orphan_customer",
    "compute_duplicate_customer",
    "compute_customer_open",
    "compute_future_record",
    "slack_request_seen",
    "page_snapshot",
}


def tables(db: Database) -> set[str]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        ).fetchall()
    return {r[0] for r in rows}


def test_up_down_up(empty_db: Database) -> None:
    before = migrations.status(empty_db)
    assert before.current is None and before.pending[-1] == before.head

    applied = migrations.upgrade(empty_db)
    assert applied == before.pending and applied[-1] == before.head
    assert tables(empty_db) == EXPECTED_TABLES
    assert migrations.status(empty_db).up_to_date

    migrations.downgrade(empty_db, "base")
    assert tables(empty_db) == set()
    assert migrations.status(empty_db).current is None

    assert migrations.upgrade(empty_db) == applied
    assert tables(empty_db) == EXPECTED_TABLES
    assert migrations.upgrade(empty_db) == []


def test_unmigrated_database_is_refused_with_the_fix(empty_db: Database) -> None:
    with pytest.raises(NotMigratedError) as info:
        migrations.require_migrated(empty_db)
    message = str(info.value)
    assert "not migrated" in message and "run `syncwatch db upgrade`" in message
    assert "\n" not in message


def test_queries_have_their_indexes(db: Database) -> None:
    with db.connection() as conn:
        indexes = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
            ).fetchall()
        }
    for name in (
        "source_record_pkey",
        "source_record_account_ref",
        "source_record_link_ref",
        "sync_event_key",
        "sync_event_flow_ts",
        "sync_event_correlation",
        "exception_item_open",
        "notification_outbox_due",
    ):
        assert name in indexes
