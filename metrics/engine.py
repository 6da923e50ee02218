"""One compute: flows into items, items into metrics and exception items, all in SQL.

Python only orchestrates: it fills the per-compute working tables from sql/flows, runs each
query of sql/metrics and sql/exceptions into them, then records history and reconciles the
exception items, all in one transaction with one evaluation instant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from metrics.exception_items import reconcile
from metrics.flows import FLOWS
from metrics.history import record_points
from metrics.sqlfiles import names, query, run_script, sql_text
from syncwatch.config import Settings
from syncwatch.config.flows import FlowName
from syncwatch.database import Database

ACCOUNT_TABLES = ("prepare", "live_account", "customer_link", "customer_account")
"""The sql/flows scripts that build the working tables of the account flows, in order."""
WORKING_TABLES = (*ACCOUNT_TABLES, "erp_invoice")
"""Every sql/flows script that builds a per-compute working table, in order."""
# Many short analytic statements: JIT compilation costs more than it saves, and the groupings
# over every invoice should sort and hash in memory rather than spill to disk.
ANALYTIC_SETTINGS = {"jit": "off", "work_mem": "256MB"}


def tune_session(conn: psycopg.Connection[Any], *, local: bool = True) -> None:
    """Apply ANALYTIC_SETTINGS to the current transaction (or, not local, the session)."""
    for name, value in ANALYTIC_SETTINGS.items():
        conn.execute("SELECT set_config(%s, %s, %s)", (name, value, local))


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One metric value with its labels."""

    name: str
    labels: dict[str, str]
    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one compute produced."""

    evaluated_at: datetime
    metrics: list[MetricValue]
    open_exceptions: int
    duration_ms: int


def compute(db: Database, settings: Settings, now: datetime) -> Evaluation:
    """Compute every metric and exception item as of ``now`` and store them."""
    started = time.perf_counter()
    with db.connection() as conn, conn.transaction():
        prepare(conn, settings, now)
        rows = conn.execute(
            "SELECT name, labels, value, unit FROM metric_value ORDER BY name, labels::text"
        ).fetchall()
        record_points(conn, now)
        open_count = reconcile(conn, settings, now)
        duration_ms = int((time.perf_counter() - started) * 1000)
        conn.execute(
            "INSERT INTO metric_evaluation (ts, duration_ms, metrics, exceptions) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (ts) DO UPDATE SET duration_ms = "
            "EXCLUDED.duration_ms, metrics = EXCLUDED.metrics, exceptions = EXCLUDED.exceptions",
            (now, duration_ms, len(rows), open_count),
        )
    metrics = [MetricValue(n, dict(labels), float(v), u) for n, labels, v, u in rows]
    return Evaluation(now, metrics, open_count, duration_ms)


def prepare(conn: psycopg.Connection[Any], settings: Settings, now: datetime) -> None:
    """Fill flow_item, metric_value and exception_row for ``now`` (inside a transaction)."""
    flows = {n: f for n, f in settings.flow_settings().items() if f.enabled}
    amendment = _approved_value(settings)
    params: dict[str, Any] = {"now": now, "flows": list(flows), "approved_value": amendment}
    tune_session(conn)
    for script in WORKING_TABLES:
        run_script(conn, sql_text("flows", script), params)
    for name, flow in flows.items():
        insert_flow_items(conn, name, flow.sla.total_seconds(), params)
    conn.execute("ANALYZE flow_item")
    run_script(conn, sql_text("flows", "invoice_posting"), params)
    run_script(conn, sql_text("flows", "invoice_mismatch"), params)
    for metric in names("metrics"):
        conn.execute(
            sql.SQL("INSERT INTO metric_value {}").format(query(sql_text("metrics", metric))),
            params,
        )
    for metric in names("exceptions"):
        conn.execute(
            sql.SQL("INSERT INTO exception_row {}").format(query(sql_text("exceptions", metric))),
            params,
        )


def insert_flow_items(
    conn: psycopg.Connection[Any], name: FlowName, sla_seconds: float, params: dict[str, Any]
) -> None:
    """Add one flow's items to flow_item (its sql/flows query inside the flow_item wrapper)."""
    definition = FLOWS[name]
    conn.execute(
        query(sql_text("flows", "flow_item")).format(flow_query=query(sql_text("flows", name))),
        {
            **params,
            "flow": name,
            "source_system": definition.source_system,
            "source_object": definition.source_object,
            "target_system": definition.target_system,
            "sla_seconds": sla_seconds,
        },
    )


def _approved_value(settings: Settings) -> str:
    for source in settings.sources.values():
        if source.type == "salesforce":
            return source.amendment.approved_value
    return "Approved"
