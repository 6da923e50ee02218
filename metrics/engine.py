"""One compute: flows into items, items into metrics and exception items, all in SQL.

Python only orchestrates: it fills the per-compute working tables from sql/flows, runs each
query of sql/metrics and sql/exceptions into them, then records history, reconciles the
exception items and stores the dashboards' first screens (metrics/first_screens.py), all in one
transaction with one evaluation instant.

A compute is full or incremental. A full one reads every record. An incremental one starts
from the last compute's state (metrics/compute_state.py): it re-derives only the items whose
records were written, moved or deleted since, or whose times fell between the two instants,
and takes every other item as the last compute found it, aged to the new instant. Both end
with the same results; computes take turns under a lock, so each starts from its predecessor.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from core.config import Settings
from core.config.flows import FlowName
from core.database import Database
from core.locks import lock_key
from core.sqlfiles import names, query, run_script, sql_text, tune_session
from metrics import first_screens
from metrics.compute_state import Previous, inputs, previous
from metrics.exception_items import reconcile
from metrics.flows import FLOWS
from metrics.history import record_points
from metrics.values import MetricValue

SETUP = ("prepare", "identity_link")
"""The sql/flows scripts that create the working tables and read the identity map."""
DERIVED = ("live_account", "customer_link", "account_customer", "erp_invoice")
"""The sql/flows scripts that derive working tables from flow_record, in order."""
ACCOUNT_TABLES = (*SETUP, "flow_record", *DERIVED[:3])
"""The sql/flows scripts that build the account flows' working tables in a full compute."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one compute produced."""

    evaluated_at: datetime
    metrics: list[MetricValue]
    open_exceptions: int
    duration_ms: int
    incremental: bool


def compute(db: Database, settings: Settings, now: datetime, *, full: bool = False) -> Evaluation:
    """Compute every metric and exception item as of ``now`` and store them.

    Incremental when the last compute's state allows it, unless ``full``.
    """
    started = time.perf_counter()
    with db.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("compute"),))
        incremental = prepare(conn, settings, now, full=full)
        rows = conn.execute(
            "SELECT name, labels, value, unit FROM metric_value ORDER BY name, labels::text"
        ).fetchall()
        record_points(conn, now)
        open_count = reconcile(conn, settings, now)
        first_screens.store(conn, now, open_count)
        duration_ms = int((time.perf_counter() - started) * 1000)
        conn.execute(
            "INSERT INTO metric_evaluation (ts, duration_ms, metrics, exceptions, incremental) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (ts) DO UPDATE SET duration_ms = "
            "EXCLUDED.duration_ms, metrics = EXCLUDED.metrics, exceptions = EXCLUDED.exceptions, "
            "incremental = EXCLUDED.incremental",
            (now, duration_ms, len(rows), open_count, incremental),
        )
    metrics = [MetricValue(n, dict(labels), float(v), u) for n, labels, v, u in rows]
    return Evaluation(now, metrics, open_count, duration_ms, incremental)


def prepare(
    conn: psycopg.Connection[Any], settings: Settings, now: datetime, *, full: bool = False
) -> bool:
    """Fill flow_item, metric_value and exception_row for ``now`` and save the compute's state
    (inside a transaction). Returns whether the compute was incremental."""
    flows = {n: f for n, f in settings.flow_settings().items() if f.enabled}
    amendment = _approved_value(settings)
    tolerance = settings.metrics.tolerance_table()
    params: dict[str, Any] = {
        "now": now,
        "flows": list(flows),
        "approved_value": amendment,
        "tolerance": json.dumps(tolerance),
    }
    tune_session(conn)
    row = conn.execute("SELECT pg_current_snapshot()::text").fetchone()
    assert row is not None
    params["snapshot"] = row[0]
    for script in SETUP:
        run_script(conn, sql_text("flows", script), params)
    slas = {name: flow.sla.total_seconds() for name, flow in flows.items()}
    params["inputs"] = inputs(conn, slas, amendment, tolerance)
    last = None if full else previous(conn, now, params["inputs"])
    params["full"] = last is None
    _select_records(conn, last, params)
    for script in DERIVED:
        run_script(conn, sql_text("flows", script), params)
    for name, sla in slas.items():
        insert_flow_items(conn, name, sla, params)
    conn.execute("ANALYZE flow_item")
    run_script(conn, sql_text("flows", "invoice_posting"), params)
    run_script(conn, sql_text("flows", "invoice_mismatch"), params)
    if last is not None:
        run_script(conn, sql_text("flows", "carried"), params)
    run_script(conn, sql_text("flows", "customer_money"), params)
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
    run_script(conn, sql_text("flows", "future_record"), params)
    run_script(conn, sql_text("flows", "save_state"), params)
    # Temporary views outlive the transaction; the next compute on this session makes its own.
    conn.execute("DROP VIEW customer_link, live_account")
    if last is None:
        conn.execute("DROP VIEW flow_record")
    return last is not None


def _select_records(
    conn: psycopg.Connection[Any], last: Previous | None, params: dict[str, Any]
) -> None:
    """Make flow_record every record (full) or the scope's records (incremental)."""
    if last is None:
        run_script(conn, sql_text("flows", "flow_record"), params)
        return
    params.update(since=last.snapshot, previous=last.evaluated_at)
    run_script(conn, sql_text("flows", "changed_scope"), params)


def insert_flow_items(
    conn: psycopg.Connection[Any], name: FlowName, sla_seconds: float, params: dict[str, Any]
) -> None:
    """Add one flow's items to flow_item (its sql/flows query inside the flow_item wrapper).

    In an incremental compute (``params["full"]`` false) the flow's query covers the scope and
    the last compute's items outside it are carried over.
    """
    definition = FLOWS[name]
    flow_query: sql.Composable = query(sql_text("flows", name))
    if not params.get("full", True):
        flow_query = sql.SQL("{} UNION ALL {}").format(
            flow_query, query(sql_text("flows", "flow_carried"))
        )
    conn.execute(
        query(sql_text("flows", "flow_item")).format(flow_query=flow_query),
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
