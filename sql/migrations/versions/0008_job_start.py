"""When each scheduled job last started, in the database's time, shared by every worker.

Revision ID: 0008_job_start
Revises: 0007_drop_unused_index
Create Date: 2026-11-24
"""

from alembic import op

revision = "0008_job_start"
down_revision = "0007_drop_unused_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the job start table."""
    op.execute(
        """
        CREATE TABLE job_start (
            job        text PRIMARY KEY,
            started_at timestamptz NOT NULL
        )
        """
    )


def downgrade() -> None:
    """Drop the job start table."""
    op.execute("DROP TABLE job_start")
