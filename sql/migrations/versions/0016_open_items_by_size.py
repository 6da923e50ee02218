"""Open exception items listed by the size of their money, whatever its sign.

An amount mismatch carries the signed difference between billing and ERP, so a large negative
difference is as large a problem as a positive one: the open-items index orders by the
absolute amount.

Revision ID: 0016_open_items_by_size
Revises: 0015_payment_posting
Create Date: 2026-12-03
"""

from alembic import op

revision = "0016_open_items_by_size"
down_revision = "0015_payment_posting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Order the open-items index by the absolute amount."""
    op.execute("DROP INDEX exception_item_open")
    op.execute(
        "CREATE INDEX exception_item_open ON exception_item "
        "(metric, abs(amount_minor) DESC NULLS LAST, id) WHERE resolved_at IS NULL"
    )


def downgrade() -> None:
    """Order the open-items index by the signed amount again."""
    op.execute("DROP INDEX exception_item_open")
    op.execute(
        "CREATE INDEX exception_item_open ON exception_item "
        "(metric, amount_minor DESC NULLS LAST, id) WHERE resolved_at IS NULL"
    )
