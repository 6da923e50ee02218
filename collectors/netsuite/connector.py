"""The NetSuite connector: credentials from the environment, one client, two streams."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from collectors.base import Stream
from collectors.http import Authenticator, SourceClient
from collectors.netsuite.auth import BearerAuth, TokenBasedAuth
from collectors.netsuite.responses import classify
from collectors.netsuite.streams import (
    CustomerDeletionStream,
    CustomerKeys,
    CustomerStream,
    InvoiceDeletionStream,
    InvoiceKeys,
    InvoiceStream,
)
from collectors.netsuite.suiteql import SuiteQL
from core.clock import Clock
from core.config.base import read_secret
from core.config.sources import NetSuiteOAuth1, NetSuiteSource


class NetSuiteConnector:
    """A configured NetSuite account: customers and invoices over SuiteQL."""

    def __init__(
        self,
        name: str,
        settings: NetSuiteSource,
        clock: Clock,
        stop: threading.Event | None = None,
    ) -> None:
        self.name = name
        self.limits = settings  # its RecordLimits: how much text one record may carry
        self.settings = settings
        self.clock = clock
        auth, secrets = _auth(settings)
        self.http = SourceClient(
            name,
            settings.base_url,
            auth=auth,
            timeout=settings.timeout.total_seconds(),
            max_retries=settings.max_retries,
            backoff_initial=settings.backoff_initial.total_seconds(),
            backoff_max=settings.backoff_max.total_seconds(),
            budget=settings.request_budget,
            classifier=classify,
            secrets=secrets,
            stop=stop,
        )
        # The runner's protocol types the client as optional (file sources have none).
        self.client: SourceClient | None = self.http
        self.suiteql = SuiteQL(self.http)

    def streams(self) -> Sequence[Stream]:
        """Customers, invoices, their deletions, then the daily id reconciliation."""
        args = (self.name, self.suiteql, self.settings, self.clock)
        return [
            CustomerStream(*args),
            InvoiceStream(*args),
            CustomerDeletionStream(*args),
            InvoiceDeletionStream(*args),
            CustomerKeys(*args),
            InvoiceKeys(*args),
        ]

    def api_usage(self) -> dict[str, Any] | None:
        """NetSuite reports no usage on its responses."""
        return None

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


def _auth(settings: NetSuiteSource) -> tuple[Authenticator, tuple[str, ...]]:
    auth = settings.auth
    if isinstance(auth, NetSuiteOAuth1):
        consumer_secret = read_secret(auth.consumer_secret_env).get_secret_value()
        token_secret = read_secret(auth.token_secret_env).get_secret_value()
        tba = TokenBasedAuth(
            settings.account_id,
            read_secret(auth.consumer_key_env).get_secret_value(),
            consumer_secret,
            read_secret(auth.token_id_env).get_secret_value(),
            token_secret,
        )
        return tba, (consumer_secret, token_secret)
    token = read_secret(auth.token_env).get_secret_value()
    return BearerAuth(token), (token,)


def build_connector(
    name: str, settings: NetSuiteSource, *, clock: Clock, stop: threading.Event | None = None
) -> NetSuiteConnector:
    """The connector the runner polls (the clock paces only the id reconciliation; ``stop``:
    the process's stop event, which ends retries and waits at once)."""
    return NetSuiteConnector(name, settings, clock, stop)
