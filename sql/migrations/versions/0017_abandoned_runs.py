"""Collector runs know their database session, so a run whose process died is closed.

A run records the backend (pid and start) of the session that runs it. A run still
``running`` whose session is gone was abandoned: the next poll of its source closes it as
``abandoned``, and collector health counts it at once. ``source_health.runs_through`` is the
last run a recorded poll covers: a run after it that failed or died, which its poll could not
record, makes the source unhealthy too. ``cleaned`` counts the characters the store cannot
hold (U+0000, lone surrogates) replaced by U+FFFD in the run's records.

Revision ID: 0017_abandoned_runs
Revises: 0016_open_items_by_size
Create Date: 2026-12-03
"""

from alembic import op

revision = "0017_abandoned_runs"
down_revision = "0016_open_items_by_size"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE collector_run DROP CONSTRAINT collector_run_status_check;
ALTER TABLE collector_run ADD CONSTRAINT collector_run_status_check
    CHECK (status IN ('running', 'success', 'partial', 'failed', 'abandoned'));
ALTER TABLE collector_run
    ADD COLUMN backend_pid integer,
    ADD COLUMN backend_started_at timestamptz,
    ADD COLUMN cleaned integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN collector_run.backend_pid
    IS 'pid of the session running the run; with backend_started_at, whether it still lives';
COMMENT ON COLUMN collector_run.cleaned
    IS 'characters the store cannot hold (U+0000, lone surrogates) replaced by U+FFFD';
ALTER TABLE source_health ADD COLUMN runs_through bigint;
COMMENT ON COLUMN source_health.runs_through
    IS 'the source''s last collector_run id when this health was recorded';
UPDATE source_health h
SET runs_through = (SELECT max(id) FROM collector_run r WHERE r.source = h.source);
-- collector_healthy.sql reads the runs after runs_through and the runs still running.
CREATE INDEX collector_run_source_id ON collector_run (source, id);
CREATE INDEX collector_run_running ON collector_run (source) WHERE status = 'running';

-- Whether no live session is the one that started a run. backend_start is hidden from other
-- roles (NULL); the pid alone then decides, so a live run of another role is never closed.
CREATE FUNCTION collector_run_orphaned(pid integer, started timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (
        SELECT 1 FROM pg_stat_activity a
        WHERE a.pid = collector_run_orphaned.pid
          AND (a.backend_start IS NULL OR a.backend_start = collector_run_orphaned.started)
    )
$$;
"""

DOWNGRADE = """
DROP FUNCTION collector_run_orphaned(integer, timestamptz);
DROP INDEX collector_run_source_id, collector_run_running;
ALTER TABLE source_health DROP COLUMN runs_through;
UPDATE collector_run SET status = 'failed' WHERE status = 'abandoned';
ALTER TABLE collector_run DROP CONSTRAINT collector_run_status_check;
ALTER TABLE collector_run ADD CONSTRAINT collector_run_status_check
    CHECK (status IN ('running', 'success', 'partial', 'failed'));
ALTER TABLE collector_run
    DROP COLUMN backend_pid,
    DROP COLUMN backend_started_at,
    DROP COLUMN cleaned;
"""


def upgrade() -> None:
    """Record each run's session and each health's last run; allow abandoned; count cleaning."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Forget sessions, covered runs and cleaned counts; abandoned runs become failed ones."""
    op.execute(DOWNGRADE)
