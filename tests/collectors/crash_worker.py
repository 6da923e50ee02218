"""Collect every source of a sandbox config into ``$DATABASE_URL``: what the crash test kills.

Run as ``python -m tests.collectors.crash_worker CONFIG``. Pages are kept small so a run commits
many of them and a kill lands between (or inside) page transactions.
"""

from __future__ import annotations

import sys
from pathlib import Path

from collectors.registry import build_connector
from collectors.runner import Connector, PageCallback, SourceOutcome, collect_source
from collectors.salesforce.connector import build_connector as build_salesforce
from core.clock import Clock
from core.config import Settings, load_settings
from core.config.sources import NetSuiteSource, SalesforceSource, Source
from core.database import Database, open_database
from testkit.running_sandbox import NOW

SALESFORCE_BATCH = 200
"""The smallest batch Salesforce honours."""
NETSUITE_PAGE = 25


def small_page_connector(name: str, source: Source, clock: Clock) -> Connector:
    """A configured source's connector, asking for small pages where the API lets it."""
    if isinstance(source, SalesforceSource):
        return build_salesforce(name, source, clock=clock, batch_size=SALESFORCE_BATCH)
    if isinstance(source, NetSuiteSource):
        small = source.model_copy(update={"page_size": NETSUITE_PAGE})
        return build_connector(name, small, clock=clock)
    return build_connector(name, source, clock=clock)


def collect_once(
    db: Database, connector: Connector, clock: Clock, on_page: PageCallback | None = None
) -> SourceOutcome:
    """One poll of one source; the connector is closed afterwards."""
    try:
        return collect_source(db, connector, clock=clock, on_page=on_page)
    finally:
        connector.close()


def collect_all(db: Database, settings: Settings, on_page: PageCallback | None = None) -> None:
    """Poll every source once with small pages, at the sandbox's frozen now."""
    clock = Clock(NOW)
    for name, source in settings.sources.items():
        collect_once(db, small_page_connector(name, source, clock), clock, on_page)


def main() -> None:
    """Collect the world named by the config file in ``argv[1]``."""
    settings = load_settings(Path(sys.argv[1]))
    db = open_database(settings.database)
    try:
        collect_all(db, settings)
    finally:
        db.close()


if __name__ == "__main__":
    main()
