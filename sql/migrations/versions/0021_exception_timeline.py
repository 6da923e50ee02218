"""Exception timeline: who did what to each exception item, and when the compute closed or
reopened it.

One row of ``exception_event`` per change: acknowledged, assigned (``assignee`` names the new
one), unassigned (``assignee`` names the one taken off), a note, resolved and reopened. People
act under their syncwatch user name; the compute's own resolutions and reopenings are by
``syncwatch``. ``exception_item`` keeps the latest state (status, assignee, latest note).

Revision ID: 0021_exception_timeline
Revises: 0020_slack_interactivity
Create Date: 2026-12-04
"""

from alembic import op

revision = "0021_exception_timeline"
down_revision = "0020_slack_interactivity"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE exception_event (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id  bigint NOT NULL REFERENCES exception_item (id) ON DELETE CASCADE,
    kind     text NOT NULL
        CHECK (kind IN ('acknowledged', 'assigned', 'unassigned', 'note', 'resolved', 'reopened')),
    actor    text NOT NULL,
    at       timestamptz NOT NULL,
    note     text,
    assignee text,
    CHECK ((assignee IS NOT NULL) = (kind IN ('assigned', 'unassigned'))),
    CHECK (kind <> 'note' OR note IS NOT NULL)
);
CREATE INDEX exception_event_item ON exception_event (item_id, at, id);
COMMENT ON TABLE exception_event
    IS 'the timeline of each exception item: people''s actions and notes, the compute''s '
       'resolutions and reopenings (actor syncwatch)';
COMMENT ON COLUMN exception_event.assignee
    IS 'assigned: the new assignee; unassigned: the one taken off; otherwise NULL';
COMMENT ON COLUMN exception_item.note IS 'the latest note of the item''s timeline';
"""

DOWNGRADE = """
COMMENT ON COLUMN exception_item.note IS NULL;
DROP TABLE exception_event;
"""


def upgrade() -> None:
    """Add the exception timeline."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Drop the exception timeline."""
    op.execute(DOWNGRADE)
