"""An explicit version per stored record, so the merge never lets an older version win.

``version_at`` NULL: the record was a read of current state (SOQL, SuiteQL, list endpoints,
Zendesk exports), which any later read replaces. Otherwise the record came from Stripe and
``(version_at, version_rank)`` orders it: the event's (or the list read's) second, then how far
the object's lifecycle had come. Stripe rows stored before this revision carry that second in
``updated_at``; their rank is read back from the columns.

Revision ID: 0014_record_version
Revises: 0013_sign_in_throttle
Create Date: 2026-12-04
"""

from alembic import op

revision = "0014_record_version"
down_revision = "0013_sign_in_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the version columns and version the Stripe rows already stored."""
    op.execute(
        """
        ALTER TABLE source_record ADD COLUMN version_at timestamptz,
            ADD COLUMN version_rank smallint NOT NULL DEFAULT 0;
        COMMENT ON COLUMN source_record.version_at
            IS 'source instant of this version; NULL: a read of current state (a later read wins)';
        COMMENT ON COLUMN source_record.version_rank
            IS 'orders two versions of one second: how far the object''s lifecycle had come';
        UPDATE source_record SET version_at = updated_at,
            version_rank = CASE
                WHEN is_deleted THEN 4
                WHEN paid_at IS NOT NULL OR voided_at IS NOT NULL THEN 3
                WHEN status = 'uncollectible' THEN 2
                WHEN finalized_at IS NOT NULL OR status = 'canceled' THEN 1
                ELSE 0 END
        WHERE system = 'stripe';
        """
    )


def downgrade() -> None:
    """Drop the version columns."""
    op.execute("ALTER TABLE source_record DROP COLUMN version_at, DROP COLUMN version_rank")
