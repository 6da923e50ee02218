"""Drop source_record_updated: no query reads records by update time, and every write paid for it.

Revision ID: 0007_drop_unused_index
Revises: 0006_job_health
Create Date: 2026-11-24
"""

from alembic import op

revision = "0007_drop_unused_index"
down_revision = "0006_job_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop the index."""
    op.execute("DROP INDEX IF EXISTS source_record_updated")


def downgrade() -> None:
    """Recreate the index."""
    op.execute(
        "CREATE INDEX source_record_updated ON source_record (system, object_type, updated_at)"
    )
