"""Payment attempts beside invoice attempts, and the difference an amount mismatch carries.

The saved compute state now holds the latest middleware attempt per flow (invoice posting and
payment application both key on the billing invoice), and each saved mismatch its difference
(billing minus ERP, after the per-currency tolerance). The state is emptied: the next compute
is a full one and fills it in the new shape.

Revision ID: 0015_payment_posting
Revises: 0014_record_version
Create Date: 2026-12-08
"""

from alembic import op

revision = "0015_payment_posting"
down_revision = "0014_record_version"
branch_labels = None
depends_on = None

_EMPTY_STATE = "TRUNCATE compute_state, compute_invoice_posting, compute_invoice_mismatch"


def upgrade() -> None:
    """Add the flow of each saved attempt and the difference of each saved mismatch."""
    op.execute(_EMPTY_STATE)
    op.execute("ALTER TABLE compute_invoice_posting ADD COLUMN flow text NOT NULL")
    op.execute("ALTER TABLE compute_invoice_mismatch ADD COLUMN difference_minor bigint")


def downgrade() -> None:
    """Drop them again (the state is emptied, so the next compute is a full one)."""
    op.execute(_EMPTY_STATE)
    op.execute("ALTER TABLE compute_invoice_mismatch DROP COLUMN difference_minor")
    op.execute("ALTER TABLE compute_invoice_posting DROP COLUMN flow")
