"""The dashboard's own addresses: a record's view, an exception item's deep link.

Every id a page shows links here. A record's address carries the full id in ``?system=&id=``
and its shortened form after ``#`` (which no page reads), so a table can show the short form.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote, urlencode

from core.display import short_id

RECORD_PATH: Final = "record"
"""The record view's URL path (``PageSpec.url_path`` in app/navigation.py)."""

RECORD_LINK_TEXT: Final = r"#(.+)$"
"""LinkColumn display_text: the shortened id after the ``#`` of a record address."""

ITEM_LINK_TEXT: Final = r"item=([^&#]+)"
"""LinkColumn display_text: the item number of an item address."""


def record_href(system: str, external_id: str, text: str | None = None) -> str:
    """The record view of ``system``/``external_id`` (relative to the dashboard's root),
    shown as ``text`` (by default the shortened id)."""
    query = urlencode({"system": system, "id": external_id}, quote_via=quote)
    shown = " ".join((text or "").split()) or short_id(external_id)
    return f"{RECORD_PATH}?{query}#{shown}"


def item_href(page_path: str, item_id: object) -> str:
    """The deep link of one exception item on the page that owns it."""
    return f"{page_path}?{urlencode({'item': str(item_id)})}"


def parse_record_address(value: str) -> tuple[str, str] | None:
    """``system:id`` (as ``?record=`` carries it) split in two, or None when it is not one."""
    system, colon, record_id = value.strip().partition(":")
    if not colon or not system or not record_id.strip():
        return None
    return system.strip().lower(), record_id.strip()
