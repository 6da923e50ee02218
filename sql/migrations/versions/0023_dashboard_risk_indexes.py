"""Indexes for the executive and RevOps first screens.

The executive page adds up the money at risk now and a week ago, each record once: it reads
every open item of the finance and RevOps problems, and the items resolved within the week.
The first index holds just what that reads of the open items (problem, currency, record, money,
when found), so it is read without visiting the table; the second finds the recently resolved
items. The third finds an orphan customer's best match suggestion: suggestions are keyed by
account, and the RevOps page shows the customer with the account it most likely belongs to.

Revision ID: 0023_dashboard_risk_indexes
Revises: 0022_flapping_and_quiet_hours
Create Date: 2026-12-04
"""

from alembic import op

revision = "0023_dashboard_risk_indexes"
down_revision = "0022_flapping_and_quiet_hours"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the open-money, recently-resolved and suggestion-by-customer indexes."""
    op.execute(
        "CREATE INDEX exception_item_money ON exception_item "
        "(metric, currency, system, object_type, external_id) "
        "INCLUDE (amount_minor, first_seen) WHERE resolved_at IS NULL"
    )
    op.execute(
        "CREATE INDEX exception_item_resolved ON exception_item (resolved_at) "
        "WHERE resolved_at IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX match_suggestion_customer ON match_suggestion "
        "(system, customer_id, score DESC)"
    )


def downgrade() -> None:
    """Drop the three indexes."""
    op.execute("DROP INDEX match_suggestion_customer")
    op.execute("DROP INDEX exception_item_resolved")
    op.execute("DROP INDEX exception_item_money")
