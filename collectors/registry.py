"""Builds each configured source's connector from its settings."""

from __future__ import annotations

import threading

from collectors.runner import Connector
from core.clock import Clock
from core.config.sources import (
    MiddlewareLogSource,
    NetSuiteSource,
    SalesforceSource,
    Source,
    StripeSource,
    ZendeskSource,
)


def build_connector(
    name: str, settings: Source, *, clock: Clock, stop: threading.Event | None = None
) -> Connector:
    """The connector of one configured source.

    ``stop`` is the process's stop event: an API connector's client abandons retries and waits
    once it is set (a file source reads no network and needs none).
    """
    # Imported per type so a deployment only loads the connectors it configures.
    if isinstance(settings, SalesforceSource):
        from collectors.salesforce.connector import build_connector as build_salesforce

        return build_salesforce(name, settings, clock=clock, stop=stop)
    if isinstance(settings, StripeSource):
        from collectors.stripe.connector import build_connector as build_stripe

        return build_stripe(name, settings, clock=clock, stop=stop)
    if isinstance(settings, NetSuiteSource):
        from collectors.netsuite.connector import build_connector as build_netsuite

        return build_netsuite(name, settings, clock=clock, stop=stop)
    if isinstance(settings, ZendeskSource):
        from collectors.zendesk.connector import build_connector as build_zendesk

        return build_zendesk(name, settings, clock=clock, stop=stop)
    if isinstance(settings, MiddlewareLogSource):
        from collectors.logs.connector import build_connector as build_logs

        return build_logs(name, settings, clock=clock)
    raise AssertionError(f"no connector for {type(settings).__name__}")
