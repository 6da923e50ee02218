"""Loading reference rates: read the source, parse all of it, then store it in one transaction."""

from __future__ import annotations

from datetime import datetime

from core.database import Database
from core.fx.source import parse_rates, read_source
from core.fx.store import StoredRates, store_rates


def load_rates(db: Database, source: str, at: datetime) -> StoredRates:
    """Load the ECB reference rates of the file or URL ``source`` as of ``at``.

    The whole source is read and checked before anything is written, so a malformed one
    (``FxError``) leaves the store as it was.
    """
    table = parse_rates(read_source(source), source)
    with db.connection() as conn, conn.transaction():
        return store_rates(conn, table, source, at)
