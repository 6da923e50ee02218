"""Account match suggestions: ranked candidate customers for each unlinked CRM account.

Revision ID: 0003_match_suggestion
Revises: 0002_metric_evaluation
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003_match_suggestion"
down_revision = "0002_metric_evaluation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the suggestions table."""
    op.execute(
        """
        CREATE TABLE match_suggestion (
            id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            system         text NOT NULL,
            crm_account_id text COLLATE "C" NOT NULL,
            customer_id    text COLLATE "C" NOT NULL,
            score          double precision NOT NULL,
            method         text NOT NULL CHECK (method IN ('domain', 'name', 'fuzzy')),
            reason         text NOT NULL,
            computed_at    timestamptz NOT NULL,
            UNIQUE (system, crm_account_id, customer_id)
        );
        CREATE INDEX match_suggestion_rank ON match_suggestion (system, crm_account_id, score DESC);
        """
    )


def downgrade() -> None:
    """Drop the suggestions table."""
    op.execute("DROP TABLE match_suggestion")
