"""Tables as people read them: names beside ids, money, local times, words for every code.

A view is built from the query's frame row for row (so a selected row is the frame's row) and
comes with its column configuration; the CSV download keeps the frame's machine-readable form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app.links import ITEM_LINK_TEXT, RECORD_LINK_TEXT, item_href, record_href
from app.queries.core import Frame, Window
from app.runtime import runtime
from core.config.sources import Source
from core.display import (
    MISSING,
    age_bucket_title,
    duration,
    instant,
    metric_title,
    money,
    system_title,
)
from core.source_links import source_record_url
from metrics import flows

Config = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reading:
    """What a page needs to say values in people's words: the zone, "now" and the sources."""

    zone: ZoneInfo
    now: datetime
    sources: dict[str, Source]


def page_reading(window: Window) -> Reading:
    """The configured zone and sources, with the window's end (the latest compute) as now."""
    settings = runtime().settings
    return Reading(settings.zone, window.until, dict(settings.sources))


def missing(value: object) -> bool:
    """Whether ``value`` is no value at all (None, NaN, NaT, an empty text)."""
    if value is None or value is pd.NaT or (isinstance(value, str) and not value.strip()):
        return True
    return isinstance(value, float) and math.isnan(value)


def words(value: object) -> str:
    """Text as shown, or an em dash for none."""
    return MISSING if missing(value) else str(value)


def when(value: object, reading: Reading) -> str:
    """An instant in the configured zone with how long before the page's "now" it was."""
    if missing(value):
        return MISSING
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return MISSING
    return instant(value, reading.zone, reading.now)


def flow_title(flow: object) -> str:
    """A flow's title (``Invoices → ERP``), or an em dash."""
    return MISSING if missing(flow) else flows.flow_title(flow)


def amounts(frame: Frame, column: str = "amount_minor") -> list[str]:
    """Each row's money in its currency (an em dash without one)."""
    return [money(a, c) for a, c in zip(frame[column], frame["currency"], strict=True)]


def record_links(systems: Iterable[object], ids: Iterable[object]) -> list[str | None]:
    """Each row's record-view address (None where there is no id)."""
    return [
        None if missing(i) else record_href(str(s), str(i))
        for s, i in zip(systems, ids, strict=True)
    ]


def source_links(
    reading: Reading, systems: Iterable[object], kinds: Iterable[object], ids: Iterable[object]
) -> list[str | None]:
    """Each row's page in its own system, where the configuration names its web address."""
    return [
        None
        if missing(i) or missing(k)
        else source_record_url(reading.sources, str(s), str(k), str(i))
        for s, k, i in zip(systems, kinds, ids, strict=True)
    ]


def record_column(label: str = "Record") -> Any:
    """A record id column: shortened, linked to the record view."""
    return st.column_config.LinkColumn(
        label,
        display_text=RECORD_LINK_TEXT,
        help="Shortened record id: the link opens the record view with the full id "
        "(the CSV download has it in full too).",
    )


def source_column() -> Any:
    """A link to the record in its own system."""
    return st.column_config.LinkColumn(
        "In its system",
        display_text=":material/open_in_new:",
        help="Opens the record in Salesforce, Stripe, NetSuite or Zendesk (where configured).",
        width="small",
    )


def text_column(label: str, help_text: str | None = None, width: str | None = None) -> Any:
    """A plain text column with a label in words."""
    return st.column_config.TextColumn(label, help=help_text, width=width)  # type: ignore[arg-type]


def items_view(frame: Frame, page_path: str, reading: Reading) -> tuple[Frame, Config]:
    """Exception items: the issue, customer, invoice number, money, age and links."""
    invoices = [str(k) == "invoice" for k in frame["object_type"]]
    view = pd.DataFrame(
        {
            "item": [item_href(page_path, i) for i in frame["id"]],
            "issue": [metric_title(m) for m in frame["metric"]],
            "customer": [words(c) for c in frame["customer_name"]],
            "number": [
                words(n) if invoice else MISSING
                for n, invoice in zip(frame["record_name"], invoices, strict=True)
            ],
            "amount": amounts(frame),
            "record": record_links(frame["system"], frame["external_id"]),
            "system": [system_title(s) for s in frame["system"]],
            "source": source_links(
                reading, frame["system"], frame["object_type"], frame["external_id"]
            ),
            "since": [when(s, reading) for s in frame["since"]],
            "age": [age_bucket_title(b) for b in frame["age_bucket"]],
            "flow": [flow_title(f) for f in frame["flow"]],
            "status": [words(s) for s in frame["status"]],
            "assignee": [words(a) for a in frame["assignee"]],
        }
    )
    # A column that says nothing for any row (no invoice, no age group, no flow) is left out.
    view = view[[c for c in view.columns if not (view[c] == MISSING).all()]]
    config: Config = {
        "item": st.column_config.LinkColumn(
            "Item",
            display_text=ITEM_LINK_TEXT,
            help="The item's number: the link opens this item alone, to share.",
            width="small",
        ),
        "issue": text_column("Issue"),
        "customer": text_column("Customer", "The customer or account this record belongs to."),
        "number": text_column("Invoice no."),
        "amount": text_column("Amount"),
        "record": record_column(),
        "system": text_column("System", width="small"),
        "source": source_column(),
        "since": text_column("Open since", "When the problem began, in the reporting time zone."),
        "age": text_column("Age group", width="small"),
        "flow": text_column("Flow"),
        "status": text_column("Status", width="small"),
        "assignee": text_column("Assignee", width="small"),
    }
    return view, config


def item_label(row: Any) -> str:
    """One exception item in a line: number, issue, customer, invoice, money and status."""
    parts = [f"#{row['id']}", metric_title(row["metric"])]
    if not missing(row.get("customer_name")):
        parts.append(str(row["customer_name"]))
    if str(row.get("object_type")) == "invoice" and not missing(row.get("record_name")):
        parts.append(f"invoice {row['record_name']}")
    parts.append(money(row["amount_minor"], row["currency"]))
    parts.append(words(row["status"]))
    return " · ".join(parts)


def hours(value: object) -> str:
    """A number of hours as a duration in words (``3 d 4 h``)."""
    return MISSING if missing(value) else duration(float(value) * 3600.0)  # type: ignore[arg-type]
