"""The Zendesk connector: one shared client and export pace, two streams."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from collectors.base import Stream
from collectors.http import SourceClient
from collectors.zendesk.client import ExportGate, zendesk_client
from collectors.zendesk.streams import OrganizationStream, TicketStream
from core.clock import Clock
from core.config.sources import ZendeskSource


class ZendeskConnector:
    """A configured Zendesk account: organizations and tickets."""

    def __init__(self, name: str, settings: ZendeskSource, client: SourceClient) -> None:
        self.name = name
        self.limits = settings  # its RecordLimits: how much text one record may carry
        self.client: SourceClient | None = client
        self._gate = ExportGate(settings.exports_per_minute, client.pause)
        self._streams: list[Stream] = [
            OrganizationStream(name, client, self._gate, settings),
            TicketStream(name, client, self._gate, settings),
        ]

    def streams(self) -> Sequence[Stream]:
        """Organizations first, so tickets land after the organizations they name."""
        return self._streams

    def api_usage(self) -> dict[str, Any] | None:
        """The export budget the last response reported."""
        return self._gate.usage

    def close(self) -> None:
        """Close the HTTP client."""
        if self.client is not None:
            self.client.close()


def build_connector(
    name: str, settings: ZendeskSource, *, clock: Clock, stop: threading.Event | None = None
) -> ZendeskConnector:
    """The connector of one configured Zendesk source (exports carry their own time;
    ``stop``: the process's stop event, which ends retries and waits at once)."""
    return ZendeskConnector(name, settings, zendesk_client(name, settings, stop))
