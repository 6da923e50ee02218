"""The dashboards' first screens, as the latest compute found them.

Some first-screen totals read every open item of a large backlog (money at risk now and a week
ago, unposted money by age and currency, records failing to sync by error code). Each compute
stores their rows for the pages' default view, keyed by the read's SQL and parameters, so a
page reads a few rows instead of the backlog; other filters read live.

Revision ID: 0024_page_snapshot
Revises: 0023_dashboard_risk_indexes
Create Date: 2026-12-04
"""

from alembic import op

revision = "0024_page_snapshot"
down_revision = "0023_dashboard_risk_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create page_snapshot."""
    op.execute(
        """
        CREATE TABLE page_snapshot (
            key text PRIMARY KEY,
            name text NOT NULL,
            computed_at timestamptz NOT NULL,
            columns jsonb NOT NULL,
            rows jsonb NOT NULL
        )
        """
    )


def downgrade() -> None:
    """Drop page_snapshot."""
    op.execute("DROP TABLE page_snapshot")
