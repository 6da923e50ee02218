"""Money on orphan and duplicate customers: their open invoices.

A customer's open invoices change when an invoice is written, paid, voided or moved to another
customer. ``record_change`` now also notes an invoice's old customer (``parent_ref``) when it
moves, so an incremental compute reads the money of both customers again, and the open
balances of the flagged customers are kept with the rest of the compute's state.

Revision ID: 0012_customer_money
Revises: 0011_account_side_indexes
Create Date: 2026-12-02
"""

from alembic import op

revision = "0012_customer_money"
down_revision = "0011_account_side_indexes"
branch_labels = None
depends_on = None

_NOTED = ("system", "object_type", "external_id", "account_ref", "link_ref")
"""The columns record_change noted before this revision."""


def _note_changes(columns: tuple[str, ...]) -> str:
    """The trigger function noting a record's old ``columns`` when one of them changes."""
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    names = ", ".join(columns)
    return f"""
CREATE OR REPLACE FUNCTION source_record_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR ({old}) IS DISTINCT FROM ({new}) THEN
        INSERT INTO record_change ({names}) VALUES ({old});
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    NEW.written_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;
"""


def upgrade() -> None:
    """Note moved invoices' old customers and keep the flagged customers' open balances."""
    op.execute("ALTER TABLE record_change ADD COLUMN parent_ref text")
    op.execute(_note_changes((*_NOTED, "parent_ref")))
    op.execute(
        "CREATE UNLOGGED TABLE compute_customer_open ("
        " system text NOT NULL, customer_id text NOT NULL,"
        " currency text NOT NULL, amount_minor bigint NOT NULL)"
    )
    # The state saved before this revision holds no balances: the next compute is a full one.
    op.execute("TRUNCATE compute_state")


def downgrade() -> None:
    """Drop the balances and stop noting old customers."""
    op.execute("DROP TABLE compute_customer_open")
    op.execute(_note_changes(_NOTED))
    op.execute("ALTER TABLE record_change DROP COLUMN parent_ref")
    op.execute("TRUNCATE compute_state")
