"""The daily ids-only reconciliation of Stripe customers and invoices.

Stripe's events say when a customer (or a draft invoice) is deleted, but only for 30 days; a
collector stopped longer lists the ids instead: deleted objects are no longer listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from collectors.base import Paginator
from collectors.http import SourceClient
from collectors.reconcile import KeyReconciliation
from collectors.stripe.client import list_page
from collectors.stripe.records import SYSTEM
from collectors.stripe.streams import PAGE_LIMIT
from core.clock import Clock

Listed = tuple[list[Any], bool]


def _ids(items: list[Any]) -> list[str]:
    return [str(item["id"]) for item in items if isinstance(item, Mapping) and item.get("id")]


class AfterPaginator(Paginator[str | None, Listed]):
    """Pages a list with ``starting_after`` while ``has_more`` holds."""

    def has_more(self, response: Listed) -> bool:
        """More follows while Stripe says so and the page named an id to page after."""
        return response[1] and bool(_ids(response[0]))

    def next_value(self, response: Listed) -> str | None:
        """The last id of the page."""
        return _ids(response[0])[-1]


class StripeKeys(KeyReconciliation):
    """Every id a list endpoint holds now."""

    system: ClassVar[str] = SYSTEM
    list_path: ClassVar[str]

    def __init__(self, source: str, client: SourceClient, clock: Clock) -> None:
        super().__init__(source, clock)
        self.client = client

    def ids(self) -> Iterator[list[str]]:
        """The listed ids, a page at a time."""

        def request(after: str | None) -> Listed:
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if after is not None:
                params["starting_after"] = after
            return list_page(self.client, self.list_path, params)

        for items, _ in AfterPaginator(self.name, None).responses(request):
            yield _ids(items)


class CustomerKeys(StripeKeys):
    """Current customer ids (deleted customers are not listed)."""

    name = "customer_keys"
    object_type = "customer"
    list_path = "/v1/customers"


class InvoiceKeys(StripeKeys):
    """Current invoice ids (deleted drafts are not listed)."""

    name = "invoice_keys"
    object_type = "invoice"
    list_path = "/v1/invoices"
