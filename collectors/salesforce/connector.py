"""The Salesforce connector: credentials from the environment, one client, two streams."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from collectors.base import Stream
from collectors.http import SourceClient
from collectors.salesforce.auth import (
    ClientCredentialsGrant,
    Grant,
    JwtBearerGrant,
    SalesforceAuth,
)
from collectors.salesforce.responses import SalesforceResponses
from collectors.salesforce.streams import (
    AccountDeletions,
    AccountKeys,
    AccountStream,
    AmendmentDeletions,
    AmendmentKeys,
    AmendmentStream,
)
from core.clock import Clock
from core.config.base import read_secret
from core.config.sources import SalesforceClientCredentials, SalesforceSource

DEFAULT_BATCH_SIZE = 2000


class SalesforceConnector:
    """A configured Salesforce org: accounts and amendment quotes over one session."""

    def __init__(
        self,
        name: str,
        settings: SalesforceSource,
        *,
        batch_size: int,
        clock: Clock,
        stop: threading.Event | None = None,
    ) -> None:
        self.name = name
        self.limits = settings  # its RecordLimits: how much text one record may carry
        self.settings = settings
        self.batch_size = batch_size
        self.clock = clock
        self.responses = SalesforceResponses(name)
        grant, secrets = _grant(settings)
        self.auth = SalesforceAuth(settings.login_url or settings.base_url, grant)
        self.http = SourceClient(
            name,
            settings.base_url,
            auth=self.auth,
            timeout=settings.timeout.total_seconds(),
            max_retries=settings.max_retries,
            backoff_initial=settings.backoff_initial.total_seconds(),
            backoff_max=settings.backoff_max.total_seconds(),
            budget=settings.request_budget,
            classifier=self.responses.classify,
            secrets=secrets,
            stop=stop,
        )
        self.auth.client = self.http
        # The runner's protocol types the client as optional (file sources have none).
        self.client: SourceClient | None = self.http

    def streams(self) -> Sequence[Stream]:
        """Accounts, amendment quotes, their deletions, then the daily id reconciliation."""
        args = (self.name, self.http, self.auth, self.settings, self.batch_size)
        return [
            AccountStream(*args),
            AmendmentStream(*args),
            AccountDeletions(*args, self.clock),
            AmendmentDeletions(*args, self.clock),
            AccountKeys(*args, self.clock),
            AmendmentKeys(*args, self.clock),
        ]

    def api_usage(self) -> dict[str, Any] | None:
        """The latest ``Sforce-Limit-Info`` reading: requests used and allowed per 24 h."""
        return dict(self.responses.usage) if self.responses.usage else None

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


def _grant(settings: SalesforceSource) -> tuple[Grant, tuple[str, ...]]:
    auth = settings.auth
    if isinstance(auth, SalesforceClientCredentials):
        client_id = read_secret(auth.client_id_env).get_secret_value()
        secret = read_secret(auth.client_secret_env).get_secret_value()
        return ClientCredentialsGrant(client_id, secret), (secret,)
    client_id = read_secret(auth.client_id_env).get_secret_value()
    key = read_secret(auth.private_key_env).get_secret_value()
    return JwtBearerGrant(client_id, auth.username, key, auth.audience), (key,)


def build_connector(
    name: str,
    settings: SalesforceSource,
    *,
    clock: Clock,
    batch_size: int = DEFAULT_BATCH_SIZE,
    stop: threading.Event | None = None,
) -> SalesforceConnector:
    """The connector the runner polls (``batch_size``: the Sforce-Query-Options hint; the clock
    bounds Get Deleted's window and paces the id reconciliation; ``stop``: the process's stop
    event, which ends retries and waits at once)."""
    return SalesforceConnector(name, settings, batch_size=batch_size, clock=clock, stop=stop)
