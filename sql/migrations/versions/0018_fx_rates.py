"""Euro foreign exchange reference rates, per day and currency, as the ECB publishes them.

``per_eur`` is how many units of the currency one euro buys on ``rate_date`` (exact numeric,
never floating point); the euro itself has no row, its rate is 1. Each row remembers the file
or URL it was loaded from and when, and a reload of the same rates changes nothing.

Revision ID: 0018_fx_rates
Revises: 0017_abandoned_runs
Create Date: 2026-12-09
"""

from alembic import op

revision = "0018_fx_rates"
down_revision = "0017_abandoned_runs"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE fx_rate (
    rate_date date NOT NULL,
    currency  text NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> 'EUR'),
    per_eur   numeric NOT NULL CHECK (per_eur > 0),
    source    text NOT NULL,
    loaded_at timestamptz NOT NULL,
    PRIMARY KEY (rate_date, currency)
);
COMMENT ON TABLE fx_rate IS 'ECB euro reference rates: units of currency per 1 EUR on rate_date';
COMMENT ON COLUMN fx_rate.source IS 'the file or URL the rate was loaded from';
COMMENT ON COLUMN fx_rate.loaded_at IS 'when the rate was loaded (or last changed)';
"""

DOWNGRADE = "DROP TABLE fx_rate"


def upgrade() -> None:
    """Create the dated reference-rate table."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Drop it."""
    op.execute(DOWNGRADE)
