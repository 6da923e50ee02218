"""How every page query runs: authorise first, then a briefly cached, pooled read.

Authorisation happens in ``load`` *before* the cached call, so a cache hit can never skip it.
Every query takes the same named parameters (see ``Window.params``), which lets the benchmark
run each one beside a raw psycopg baseline of the very same SQL.

When the store cannot be reached, a page says so in one sentence (``store_outage_notice``)
instead of showing the exception: its text names hosts and its traceback our files.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, NoReturn

import pandas as pd  # type: ignore[import-untyped]
import psycopg
import streamlit as st

from app.runtime import runtime
from core.errors import DatabaseUnavailableError
from core.roles import Identity, Topic, authorize
from metrics import page_snapshots
from metrics.first_screens import DEFAULT_SPAN, window_params

log = logging.getLogger(__name__)

Frame = Any  # pandas.DataFrame (pandas ships no type information here)
TTL_SECONDS: Final = 30

RANGES: Final[dict[str, timedelta]] = {
    "24 hours": timedelta(hours=24),
    "7 days": DEFAULT_SPAN,
    "30 days": timedelta(days=30),
    "90 days": timedelta(days=90),
}


@dataclass(frozen=True, slots=True)
class Query:
    """One named read of the store and the page topic whose role it needs."""

    name: str
    topic: Topic
    sql: str
    stored: bool = False
    """Whether each compute stores this read's rows for the default view (page_snapshot)."""


@dataclass(frozen=True, slots=True)
class Window:
    """The page filters: time range ending at the latest compute, flow and system."""

    until: datetime
    span: timedelta
    flow: str | None = None
    system: str | None = None

    @property
    def since(self) -> datetime:
        """Start of the time range (exclusive)."""
        return self.until - self.span

    def params(self, **extra: Any) -> dict[str, Any]:
        """The named parameters every query may use."""
        return {
            **window_params(self.until, self.span, self.flow, self.system),
            # Long ranges read hourly rollups, short ones 5-minute buckets and raw points.
            "resolution": "5m" if self.span <= timedelta(days=7) else "1h",
            "names": [],
            "flows": None,
            "quantiles": None,
            "metrics": [],
            **extra,
        }


STORE_UNREACHABLE: Final = (
    "The syncwatch store cannot be reached right now: try again in a minute, and tell an "
    "administrator if it goes on."
)
STORE_DOWN: Final = (DatabaseUnavailableError, psycopg.OperationalError)
"""A store outage: the server is unreachable, stopped or restarting (psycopg_pool's
PoolTimeout is an OperationalError)."""


def show_store_unreachable(exc: Exception) -> NoReturn:
    """Log why the store is down, tell the person in one sentence and end the run."""
    # The reason is for the administrator's log; the page shows no host, path or exception.
    log.warning("the store cannot be reached: %s", " ".join(str(exc).split()) or type(exc).__name__)
    st.error(STORE_UNREACHABLE, icon=":material/cloud_off:")
    st.stop()


@contextmanager
def store_outage_notice() -> Iterator[None]:
    """Turn a store outage inside the block into the one-sentence notice."""
    try:
        yield
    except STORE_DOWN as exc:
        show_store_unreachable(exc)


def run(conn: psycopg.Connection[Any], sql: str, params: dict[str, Any]) -> Frame:
    """Execute ``sql`` and return its rows as a DataFrame (named after the columns)."""
    cur = conn.execute(sql, params)
    columns = [c.name for c in cur.description or ()]
    return pd.DataFrame(cur.fetchall(), columns=columns)


def read(conn: psycopg.Connection[Any], query: Query, params: dict[str, Any]) -> Frame:
    """``query``'s rows: those the latest compute stored for ``params`` when it stored them,
    else read live."""
    if query.stored:
        found = page_snapshots.read(conn, query.sql, params)
        if found is not None:
            columns, rows = found
            return pd.DataFrame(rows, columns=columns)
    return run(conn, query.sql, params)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=512)
def _cached(query: Query, params: dict[str, Any]) -> Frame:
    with runtime().pool.connection() as conn:
        return read(conn, query, params)


def load(identity: Identity | None, query: Query, params: dict[str, Any]) -> Frame:
    """Rows of ``query`` for ``identity``: refused (before any read) without the role."""
    authorize(identity, query.topic)
    return _cached(query, params)


def clear_cache() -> None:
    """Forget cached reads after an action changed the store (every cached read, every user)."""
    st.cache_data.clear()


EVALUATED_AT = "SELECT max(ts) AS ts FROM metric_evaluation"


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _evaluated_at() -> datetime | None:
    with runtime().pool.connection() as conn:
        row = conn.execute(EVALUATED_AT).fetchone()
    value = row[0] if row else None
    return value if isinstance(value, datetime) else None


def evaluated_at(identity: Identity | None) -> datetime | None:
    """The instant of the latest compute, for any signed-in identity with a role."""
    if identity is None or not identity.roles:
        return None
    return _evaluated_at()
