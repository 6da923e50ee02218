"""Metric evaluations: one row per compute, so readers find the latest values by index.

Revision ID: 0002_metric_evaluation
Revises: 0001_store
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002_metric_evaluation"
down_revision = "0001_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the evaluation log and a time index on metric points."""
    op.execute(
        """
        CREATE TABLE metric_evaluation (
            ts          timestamptz PRIMARY KEY,
            duration_ms integer NOT NULL,
            metrics     integer NOT NULL,
            exceptions  integer NOT NULL
        );
        CREATE INDEX metric_point_at ON metric_point (ts, series_id);
        """
    )


def downgrade() -> None:
    """Drop the evaluation log and the index."""
    op.execute("DROP INDEX metric_point_at; DROP TABLE metric_evaluation;")
