"""Extended statistics on source_record's (system, object_type), which are strongly correlated.

Without them the planner multiplies the two selectivities, expects a handful of rows for
"salesforce amendments" and picks nested loops that take seconds on a large store.

Revision ID: 0005_source_record_statistics
Revises: 0004_alert_lifecycle
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005_source_record_statistics"
down_revision = "0004_alert_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the statistics object and gather it."""
    op.execute(
        "CREATE STATISTICS source_record_kind (dependencies, mcv) "
        "ON system, object_type FROM source_record"
    )
    op.execute("ANALYZE source_record")


def downgrade() -> None:
    """Drop the statistics object."""
    op.execute("DROP STATISTICS source_record_kind")
