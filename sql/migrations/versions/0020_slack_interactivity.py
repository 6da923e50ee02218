"""Acting on alerts from Slack: people's e-mail addresses, alert assignees, seen Slack requests.

``app_user.email`` links a dashboard user to their Slack account (Slack's ``users.info`` and
``users.lookupByEmail`` compare e-mail addresses), unique whatever its case. ``alert.assigned_to``
and ``assigned_at`` name who took the alert and when, both set or both empty; an assignment
made before the alert's current firing began belongs to an earlier incident and is not shown.
Assignments and snoozes are ``alert_event`` rows (``to_state`` 'assigned' or 'snoozed') naming
the person in ``actor``. ``slack_request_seen`` remembers each signed Slack request (its
timestamp and signature) for the five minutes it could be replayed, so every worker refuses a
second delivery of the same request.

Revision ID: 0020_slack_interactivity
Revises: 0019_alert_acknowledgement
Create Date: 2026-12-08
"""

from alembic import op

revision = "0020_slack_interactivity"
down_revision = "0019_alert_acknowledgement"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE app_user ADD COLUMN email text;
CREATE UNIQUE INDEX app_user_email ON app_user (lower(email)) WHERE email IS NOT NULL;
COMMENT ON COLUMN app_user.email
    IS 'the person''s e-mail address, as their Slack profile shows it (links Slack users)';

ALTER TABLE alert ADD COLUMN assigned_to text, ADD COLUMN assigned_at timestamptz;
ALTER TABLE alert ADD CONSTRAINT alert_assigned_to_and_at
    CHECK ((assigned_to IS NULL) = (assigned_at IS NULL));
COMMENT ON COLUMN alert.assigned_to
    IS 'who took the alert; current while assigned_at is not before firing_since';
COMMENT ON COLUMN alert_event.to_state
    IS 'the alert''s new state, or acknowledged / unacknowledged / assigned / snoozed '
       '(the state is unchanged)';

CREATE TABLE slack_request_seen (
    request_ts bigint NOT NULL,
    signature  text NOT NULL,
    seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_ts, signature)
);
CREATE INDEX slack_request_seen_age ON slack_request_seen (seen_at);
"""

DOWNGRADE = """
DROP TABLE slack_request_seen;
COMMENT ON COLUMN alert_event.to_state
    IS 'the alert''s new state, or acknowledged / unacknowledged (the state is unchanged)';
ALTER TABLE alert DROP CONSTRAINT alert_assigned_to_and_at;
ALTER TABLE alert DROP COLUMN assigned_at, DROP COLUMN assigned_to;
DROP INDEX app_user_email;
ALTER TABLE app_user DROP COLUMN email;
"""


def upgrade() -> None:
    """Add e-mail addresses, alert assignees and the seen-request memory."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Drop them again."""
    op.execute(DOWNGRADE)
