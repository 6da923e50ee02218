"""Indexes for the dashboard's largest lists at scale.

Open exception items are listed by amount (largest first, no amount last) per metric, so the
partial index on open items follows that order and each metric's top rows are read in order.
Failed and dead-lettered middleware attempts are a small share of the log; a partial index on
them lets the integration page list the latest ones without walking every line of the range.

Revision ID: 0009_page_indexes
Revises: 0008_job_start
Create Date: 2026-11-24
"""

from alembic import op

revision = "0009_page_indexes"
down_revision = "0008_job_start"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reorder the open-items index and add the failed-attempts index."""
    op.execute("DROP INDEX exception_item_open")
    op.execute(
        "CREATE INDEX exception_item_open ON exception_item "
        "(metric, amount_minor DESC NULLS LAST, id) WHERE resolved_at IS NULL"
    )
    op.execute(
        "CREATE INDEX sync_event_failed ON sync_event (flow, ts) "
        "WHERE status IN ('failed', 'dead_letter')"
    )


def downgrade() -> None:
    """Restore the previous open-items index and drop the failed-attempts index."""
    op.execute("DROP INDEX sync_event_failed")
    op.execute("DROP INDEX exception_item_open")
    op.execute(
        "CREATE INDEX exception_item_open ON exception_item (metric, amount_minor DESC) "
        "WHERE resolved_at IS NULL"
    )
