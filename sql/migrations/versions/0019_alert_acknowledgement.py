"""Alert acknowledgement: who acknowledged an open alert and when, and who acted in its history.

``alert.acknowledged_by`` and ``acknowledged_at`` (there since the first store) hold who
acknowledged the alert's current or last incident and when, both set or both empty; the next
firing clears them, so a new incident starts unacknowledged. Each acknowledgement and its
withdrawal is a row of ``alert_event`` (``to_state`` 'acknowledged' or 'unacknowledged') naming
the person in the new ``actor`` column; state changes made by the evaluation have no actor.

Revision ID: 0019_alert_acknowledgement
Revises: 0018_fx_rates
Create Date: 2026-12-04
"""

from alembic import op

revision = "0019_alert_acknowledgement"
down_revision = "0018_fx_rates"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE alert_event ADD COLUMN actor text;
COMMENT ON COLUMN alert_event.actor
    IS 'who acknowledged or withdrew an acknowledgement; NULL for the evaluation''s state changes';
COMMENT ON COLUMN alert_event.to_state
    IS 'the alert''s new state, or acknowledged / unacknowledged (the state is unchanged)';
UPDATE alert SET acknowledged_by = NULL, acknowledged_at = NULL
WHERE (acknowledged_by IS NULL) <> (acknowledged_at IS NULL);
ALTER TABLE alert ADD CONSTRAINT alert_acknowledged_by_and_at
    CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL));
COMMENT ON COLUMN alert.acknowledged_by
    IS 'who acknowledged the current or last incident; cleared when the alert fires again';
"""

DOWNGRADE = """
ALTER TABLE alert DROP CONSTRAINT alert_acknowledged_by_and_at;
COMMENT ON COLUMN alert.acknowledged_by IS NULL;
COMMENT ON COLUMN alert_event.to_state IS NULL;
ALTER TABLE alert_event DROP COLUMN actor;
"""


def upgrade() -> None:
    """Name the person behind each acknowledgement event; acknowledger and instant go together."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Drop the actor column and the pairing constraint."""
    op.execute(DOWNGRADE)
