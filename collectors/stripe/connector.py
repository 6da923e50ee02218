"""The Stripe connector: one shared client, four streams."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from collectors.base import Stream
from collectors.http import SourceClient
from collectors.stripe.client import stripe_client
from collectors.stripe.keys import CustomerKeys, InvoiceKeys
from collectors.stripe.streams import (
    CustomerStream,
    InvoiceStream,
    SubscriptionChangeStream,
    SubscriptionStream,
)
from core.clock import Clock
from core.config.sources import StripeSource


class StripeConnector:
    """A configured Stripe account: customers, subscriptions, invoices and amendment changes."""

    def __init__(self, name: str, settings: StripeSource, client: SourceClient, clock: Clock):
        self.name = name
        self.limits = settings  # its RecordLimits: how much text one record may carry
        self.client: SourceClient | None = client
        self._streams: list[Stream] = [
            stream(name, client, settings, clock)
            for stream in (CustomerStream, SubscriptionStream, InvoiceStream)
        ]
        self._streams.append(SubscriptionChangeStream(name, client, settings, clock))
        self._streams.extend(keys(name, client, clock) for keys in (CustomerKeys, InvoiceKeys))

    def streams(self) -> Sequence[Stream]:
        """Customers first, so the records that reference them land after them; the daily id
        reconciliation last."""
        return self._streams

    def api_usage(self) -> dict[str, Any] | None:
        """Stripe reports no usage figures on its responses."""
        return None

    def close(self) -> None:
        """Close the HTTP client."""
        if self.client is not None:
            self.client.close()


def build_connector(
    name: str, settings: StripeSource, *, clock: Clock, stop: threading.Event | None = None
) -> StripeConnector:
    """The connector of one configured Stripe source (``stop``: the process's stop event)."""
    return StripeConnector(name, settings, stripe_client(name, settings, stop), clock)
