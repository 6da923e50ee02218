"""Covering indexes for the account reconciliation.

A full compute reads every live CRM account and every ERP and billing customer with its
account link. These records are a small share of the store, spread over its whole heap among
the invoices; two partial indexes hold just the columns the reconciliation reads, so it scans
them in key order without visiting the heap: accounts by id, customers by the account they
name. The account reconciliation merges the two orders instead of hashing every account.

Revision ID: 0011_account_side_indexes
Revises: 0010_incremental_compute
Create Date: 2026-12-02
"""

from alembic import op

revision = "0011_account_side_indexes"
down_revision = "0010_incremental_compute"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the account and customer covering indexes."""
    op.execute(
        "CREATE INDEX source_record_account ON source_record (system, external_id) "
        "INCLUDE (created_at, is_deleted, amount_minor, currency) WHERE object_type = 'account'"
    )
    op.execute(
        "CREATE INDEX source_record_customer ON source_record (system, account_ref) "
        "INCLUDE (external_id, created_at, is_deleted) WHERE object_type = 'customer'"
    )


def downgrade() -> None:
    """Drop the account and customer covering indexes."""
    op.execute("DROP INDEX source_record_customer")
    op.execute("DROP INDEX source_record_account")
