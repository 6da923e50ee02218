"""What an incremental compute needs: which records changed since the last compute, and its state.

Every write of a record or a log line now stamps the writing transaction's id
(``written_xid``); a compute keeps the snapshot it read the store under, so the next one finds
exactly the rows written since, however late their transactions committed. An update that
moves a record's account or link reference, and a deletion, also note the old references in
``record_change``: the items they pointed at need a new look too.

The ``compute_*`` tables hold the previous compute's results that later computes start from.
They are unlogged: after a crash PostgreSQL empties them, and the next compute is a full one.
``metric_evaluation.incremental`` tells which kind each compute was.
Old rows keep a NULL ``written_xid``; the first compute after this migration is a full one.

Revision ID: 0010_incremental_compute
Revises: 0009_page_indexes
Create Date: 2026-11-24
"""

from alembic import op

revision = "0010_incremental_compute"
down_revision = "0009_page_indexes"
branch_labels = None
depends_on = None

_STATE = """
CREATE UNLOGGED TABLE compute_state (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    evaluated_at timestamptz NOT NULL,
    snapshot     pg_snapshot NOT NULL,
    inputs       text NOT NULL
);
CREATE UNLOGGED TABLE compute_flow_item (
    flow          text NOT NULL,
    source_system text NOT NULL,
    source_object text NOT NULL,
    target_system text NOT NULL,
    external_id   text COLLATE "C" NOT NULL,
    source_time   timestamptz NOT NULL,
    target_time   timestamptz,
    matched       boolean NOT NULL,
    amount_minor  bigint,
    currency      text,
    target_ids    text[],
    sla_seconds   float8 NOT NULL,
    lag           float8,
    skew          boolean NOT NULL
);
CREATE UNLOGGED TABLE compute_invoice_posting (
    external_id    text COLLATE "C" NOT NULL,
    last_status    text,
    last_ts        timestamptz,
    correlation_id text
);
CREATE UNLOGGED TABLE compute_invoice_mismatch (
    external_id      text COLLATE "C" NOT NULL,
    amount_minor     bigint,
    currency         text,
    erp_id           text,
    erp_amount_minor bigint,
    erp_currency     text,
    erp_created      timestamptz
);
CREATE UNLOGGED TABLE compute_orphan_customer (
    system      text NOT NULL,
    customer_id text NOT NULL,
    created_at  timestamptz,
    account_id  text
);
CREATE UNLOGGED TABLE compute_duplicate_customer (
    system      text NOT NULL,
    customer_id text NOT NULL,
    created_at  timestamptz,
    account_id  text NOT NULL,
    sharing     text[] NOT NULL
);
CREATE UNLOGGED TABLE compute_future_record (
    system      text NOT NULL,
    object_type text NOT NULL,
    external_id text NOT NULL
);
"""

_CHANGES = """
ALTER TABLE source_record ADD COLUMN written_xid xid8;
ALTER TABLE source_record ALTER COLUMN written_xid SET DEFAULT pg_current_xact_id();
CREATE INDEX source_record_written ON source_record (written_xid);
ALTER TABLE sync_event ADD COLUMN written_xid xid8;
ALTER TABLE sync_event ALTER COLUMN written_xid SET DEFAULT pg_current_xact_id();
CREATE INDEX sync_event_written ON sync_event (written_xid);
CREATE TABLE record_change (
    written_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    system      text NOT NULL,
    object_type text NOT NULL,
    external_id text NOT NULL,
    account_ref text,
    link_ref    text
);
CREATE INDEX record_change_written ON record_change (written_xid);
ALTER TABLE metric_evaluation ADD COLUMN incremental boolean NOT NULL DEFAULT false;
CREATE FUNCTION source_record_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       OR (OLD.system, OLD.object_type, OLD.external_id, OLD.account_ref, OLD.link_ref)
          IS DISTINCT FROM
          (NEW.system, NEW.object_type, NEW.external_id, NEW.account_ref, NEW.link_ref) THEN
        INSERT INTO record_change (system, object_type, external_id, account_ref, link_ref)
        VALUES (OLD.system, OLD.object_type, OLD.external_id, OLD.account_ref, OLD.link_ref);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    NEW.written_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;
CREATE TRIGGER source_record_written BEFORE UPDATE OR DELETE ON source_record
FOR EACH ROW EXECUTE FUNCTION source_record_written();
"""


def upgrade() -> None:
    """Stamp writes, note moved references, and add the compute state tables."""
    op.execute(_CHANGES)
    op.execute(_STATE)


def downgrade() -> None:
    """Drop the state tables, the trigger and the stamps."""
    op.execute(
        "DROP TABLE compute_state, compute_flow_item, compute_invoice_posting, "
        "compute_invoice_mismatch, compute_orphan_customer, compute_duplicate_customer, "
        "compute_future_record, record_change"
    )
    op.execute("DROP TRIGGER source_record_written ON source_record")
    op.execute("DROP FUNCTION source_record_written()")
    op.execute("ALTER TABLE metric_evaluation DROP COLUMN incremental")
    op.execute("ALTER TABLE sync_event DROP COLUMN written_xid")
    op.execute("ALTER TABLE source_record DROP COLUMN written_xid")
