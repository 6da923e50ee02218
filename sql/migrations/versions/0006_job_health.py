"""Scheduler job health: the last outcome of every scheduled job, for alerts and /healthz.

Revision ID: 0006_job_health
Revises: 0005_source_record_statistics
Create Date: 2026-11-23
"""

from alembic import op

revision = "0006_job_health"
down_revision = "0005_source_record_statistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the job health table."""
    op.execute(
        """
        CREATE TABLE job_health (
            job             text PRIMARY KEY,
            healthy         boolean NOT NULL,
            reason          text,
            last_run_at     timestamptz NOT NULL,
            last_success_at timestamptz,
            failures        integer NOT NULL DEFAULT 0,
            duration_ms     integer NOT NULL DEFAULT 0
        )
        """
    )


def downgrade() -> None:
    """Drop the job health table."""
    op.execute("DROP TABLE job_health")
