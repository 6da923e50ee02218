"""Where a record lives in its own system: the page people open it at, from the configured web_url.

Each API source may name ``web_url``, the address people use the system at. A record of a kind
the system shows on a page of its own gets a link there; without a ``web_url``, or for a kind
with no page (a Stripe subscription change is an event), there is no link.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from core.config.sources import (
    NetSuiteSource,
    SalesforceSource,
    Source,
    StripeSource,
    ZendeskSource,
)

_STRIPE_PATHS = {"invoice": "invoices", "customer": "customers", "subscription": "subscriptions"}
_NETSUITE_PATHS = {
    "invoice": "/app/accounting/transactions/custinvc.nl?id=",
    "customer": "/app/common/entity/custjob.nl?id=",
}
_ZENDESK_PATHS = {"ticket": "tickets", "organization": "organizations"}


def _path(source: Source, object_type: str, record: str) -> str | None:
    """The path of one record under the source's web address, or None without a page."""
    if isinstance(source, SalesforceSource):
        objects = {"account": source.account.object, "amendment": source.amendment.object}
        name = objects.get(object_type)
        return f"/lightning/r/{quote(name, safe='')}/{record}/view" if name else None
    if isinstance(source, StripeSource):
        folder = _STRIPE_PATHS.get(object_type)
        return f"/{folder}/{record}" if folder else None
    if isinstance(source, NetSuiteSource):
        page = _NETSUITE_PATHS.get(object_type)
        return f"{page}{record}" if page else None
    if isinstance(source, ZendeskSource):
        folder = _ZENDESK_PATHS.get(object_type)
        return f"/agent/{folder}/{record}" if folder else None
    return None


def source_record_url(
    sources: Mapping[str, Source], system: str, object_type: str, external_id: str
) -> str | None:
    """The record's page in ``system`` (the first source of that type with a ``web_url``)."""
    for source in sources.values():
        base = getattr(source, "web_url", None)
        if source.type != system or not base:
            continue
        path = _path(source, object_type, quote(external_id, safe=""))
        if path is not None:
            return f"{base}{path}"
    return None
