"""Alert lifecycle: hysteresis and staleness on alerts, and one incident row per message.

Revision ID: 0004_alert_lifecycle
Revises: 0003_match_suggestion
Create Date: 2026-11-24
"""

from alembic import op

revision = "0004_alert_lifecycle"
down_revision = "0003_match_suggestion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the alert columns the lifecycle needs and the incident table."""
    op.execute(
        """
        ALTER TABLE alert
            ADD COLUMN group_key text,
            ADD COLUMN unit text,
            ADD COLUMN cleared_at timestamptz,
            ADD COLUMN stale_reason text;
        COMMENT ON COLUMN alert.cleared_at
            IS 'when a firing alert''s value last passed the resolve threshold (keep_firing_for)';
        CREATE INDEX alert_rule ON alert (rule);

        CREATE TABLE alert_incident (
            id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            group_key        text NOT NULL,
            rule             text NOT NULL,
            labels           jsonb NOT NULL DEFAULT '{}',
            channel          text NOT NULL,
            started_at       timestamptz NOT NULL,
            resolved_at      timestamptz,
            post_id          bigint REFERENCES notification_outbox (id),
            sent_state       text NOT NULL CHECK (sent_state IN ('firing', 'stale', 'resolved')),
            snapshot         jsonb NOT NULL DEFAULT '{}',
            last_notified_at timestamptz NOT NULL
        );
        COMMENT ON TABLE alert_incident
            IS 'one message per incident of a rule group: the post, and what it last said';
        CREATE UNIQUE INDEX alert_incident_open ON alert_incident (group_key)
            WHERE resolved_at IS NULL;
        CREATE INDEX alert_incident_started ON alert_incident (started_at);
        """
    )


def downgrade() -> None:
    """Drop the incident table and the added columns."""
    op.execute(
        """
        DROP TABLE alert_incident;
        DROP INDEX alert_rule;
        ALTER TABLE alert DROP COLUMN group_key, DROP COLUMN unit, DROP COLUMN cleared_at,
            DROP COLUMN stale_reason;
        """
    )
