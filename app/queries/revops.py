"""RevOps reads: account identity gaps with their money, and stuck amendments."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Final

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from app.queries.core import TTL_SECONDS, Frame, Query, Window, load
from app.queries.metric_sql import LATEST_WITH_PRIOR, OPEN_ITEMS
from app.queries.names import names_join
from app.runtime import runtime
from core.roles import Identity, authorize
from metrics import matching

ACCOUNT_METRICS: Final = [
    "unmatched_accounts",
    "unmatched_accounts_arr",
    "orphan_customers",
    "orphan_customers_amount",
    "duplicate_customers",
    "duplicate_customers_amount",
    "stuck_amendments",
    "stuck_amendments_amount",
]
ACCOUNT_ITEMS: Final = ["unmatched_accounts", "orphan_customers", "duplicate_customers"]

SUGGESTION_COLUMNS: Final = [f.name for f in fields(matching.Suggestion)]

COUNTS = Query("revops.counts", "revops", LATEST_WITH_PRIOR)
ITEMS = Query("revops.items", "revops", OPEN_ITEMS)
STUCK = Query(
    "revops.stuck",
    "revops",
    f"""
    SELECT i.id, i.fingerprint, i.system, i.object_type, i.external_id, i.amount_minor,
           i.currency, i.related ->> 'approved_at' AS approved_at,
           extract(epoch FROM %(until)s - i.since) / 3600.0 AS hours_past_sla,
           i.status, i.assignee, i.note, names.record_name, names.customer_name
    FROM exception_item i
    {names_join("i.system", "i.object_type", "i.external_id")}
    WHERE i.resolved_at IS NULL AND i.metric = 'stuck_amendments'
    ORDER BY i.amount_minor DESC NULLS LAST, i.id
    LIMIT %(limit)s
    """,
)


def counts(identity: Identity | None, window: Window) -> Frame:
    """Latest account-gap and amendment metrics per system."""
    return load(identity, COUNTS, window.params(names=ACCOUNT_METRICS))


def items(identity: Identity | None, window: Window) -> Frame:
    """Open unmatched, orphan and duplicate account items."""
    return load(identity, ITEMS, window.params(metrics=ACCOUNT_ITEMS))


def stuck(identity: Identity | None, window: Window) -> Frame:
    """Open stuck amendments with value and hours past their SLA."""
    return load(identity, STUCK, window.params())


def suggestions(identity: Identity | None, window: Window) -> Frame:
    """Ranked match suggestions for unlinked accounts (system filter applies)."""
    authorize(identity, "revops")
    return _suggestions(window.system)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _suggestions(system: str | None) -> Frame:
    with runtime().pool.connection() as conn:
        found = matching.suggestions(conn, system=system, limit=200)
    return pd.DataFrame([asdict(s) for s in found], columns=SUGGESTION_COLUMNS)


QUERIES: Final = [
    (COUNTS, {"names": ACCOUNT_METRICS}),
    (ITEMS, {"metrics": ACCOUNT_ITEMS}),
    (STUCK, {}),
]
