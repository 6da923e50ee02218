"""Sign-in failures counted per attempted name, known or not, apart from the users.

Revision ID: 0013_sign_in_throttle
Revises: 0012_customer_money
Create Date: 2026-12-03
"""

from alembic import op

revision = "0013_sign_in_throttle"
down_revision = "0012_customer_money"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Move the failure counters of app_user into sign_in_throttle."""
    op.execute(
        """
        CREATE TABLE sign_in_throttle (
            name           text PRIMARY KEY,
            failed_logins  integer NOT NULL,
            last_failed_at timestamptz NOT NULL
        );
        CREATE INDEX sign_in_throttle_last_failed ON sign_in_throttle (last_failed_at);
        INSERT INTO sign_in_throttle (name, failed_logins, last_failed_at)
        SELECT name, failed_logins, last_failed_at FROM app_user
        WHERE failed_logins > 0 AND last_failed_at IS NOT NULL;
        ALTER TABLE app_user DROP COLUMN failed_logins, DROP COLUMN last_failed_at;
        """
    )


def downgrade() -> None:
    """Put the counters of known users back on app_user."""
    op.execute(
        """
        ALTER TABLE app_user ADD COLUMN failed_logins integer NOT NULL DEFAULT 0,
            ADD COLUMN last_failed_at timestamptz;
        UPDATE app_user u SET failed_logins = t.failed_logins, last_failed_at = t.last_failed_at
        FROM sign_in_throttle t WHERE t.name = u.name;
        DROP TABLE sign_in_throttle;
        """
    )
