"""Flapping alerts and incidents held through quiet hours.

``alert.flapping_since`` says since when an alert has been held as flapping (it changed state
more than ``alerts.flapping.changes`` times within the window) and ``flap_changes`` how many
state changes that took, both set or both empty; starting and ending to flap are
``alert_event`` rows ('flapping', 'settled'). ``alert_incident.sent_state`` may now be 'held'
(an incident that began in its route's quiet hours: nothing posted yet, sent when they end) and
'flapping' (its message said the alert is flapping, and says nothing more until it settles).

Revision ID: 0022_flapping_and_quiet_hours
Revises: 0021_exception_timeline
Create Date: 2026-12-04
"""

from alembic import op

revision = "0022_flapping_and_quiet_hours"
down_revision = "0021_exception_timeline"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE alert ADD COLUMN flapping_since timestamptz, ADD COLUMN flap_changes integer;
ALTER TABLE alert ADD CONSTRAINT alert_flapping_since_and_changes
    CHECK ((flapping_since IS NULL) = (flap_changes IS NULL));
COMMENT ON COLUMN alert.flapping_since
    IS 'since when the alert is held as flapping (its notifications wait until it settles)';
COMMENT ON COLUMN alert.flap_changes
    IS 'state changes within the flapping window when it began to flap, plus those since';
COMMENT ON COLUMN alert_event.to_state
    IS 'the alert''s new state, or acknowledged / unacknowledged / assigned / snoozed / '
       'flapping / settled (the state is unchanged)';
ALTER TABLE alert_incident DROP CONSTRAINT alert_incident_sent_state_check;
ALTER TABLE alert_incident ADD CONSTRAINT alert_incident_sent_state_check
    CHECK (sent_state IN ('held', 'firing', 'stale', 'resolved', 'flapping'));
COMMENT ON COLUMN alert_incident.sent_state
    IS 'what its message last said; held: nothing yet, waiting for its route''s quiet hours '
       'to end';
"""

DOWNGRADE = """
-- A held incident posted nothing: without it the next evaluation posts the alert afresh.
DELETE FROM alert_incident WHERE sent_state = 'held';
UPDATE alert_incident SET sent_state = 'firing' WHERE sent_state = 'flapping';
ALTER TABLE alert_incident DROP CONSTRAINT alert_incident_sent_state_check;
ALTER TABLE alert_incident ADD CONSTRAINT alert_incident_sent_state_check
    CHECK (sent_state IN ('firing', 'stale', 'resolved'));
COMMENT ON COLUMN alert_incident.sent_state IS NULL;
COMMENT ON COLUMN alert_event.to_state
    IS 'the alert''s new state, or acknowledged / unacknowledged / assigned / snoozed '
       '(the state is unchanged)';
ALTER TABLE alert DROP CONSTRAINT alert_flapping_since_and_changes;
ALTER TABLE alert DROP COLUMN flapping_since, DROP COLUMN flap_changes;
"""


def upgrade() -> None:
    """Record flapping on alerts; let incidents be held or flapping."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Forget flapping (such incidents count as firing) and held incidents (posted afresh)."""
    op.execute(DOWNGRADE)
