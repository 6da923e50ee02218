"""Whether a compute may start from the last one's state, and what that state depends on.

An incremental compute reuses the last compute's results for every item whose records did not
change. That holds only while everything else the results depend on is the same: the enabled
flows and their SLAs, the approval status of amendment quotes, the amount-mismatch tolerances,
the identity map and the SQL that defines the flows. ``inputs`` fingerprints those; any
difference, a first compute, a compute for an earlier instant than the last one, or an
explicit request makes the compute a full one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import psycopg

from core.config.flows import FlowName
from core.sqlfiles import names, sql_text


@dataclass(frozen=True, slots=True)
class Previous:
    """The last compute an incremental one starts from."""

    evaluated_at: datetime
    snapshot: str


@cache
def _flow_sql_digest() -> str:
    digest = hashlib.sha256()
    for name in names("flows"):
        digest.update(sql_text("flows", name).encode())
    return digest.hexdigest()


def inputs(
    conn: psycopg.Connection[Any],
    flows: Mapping[FlowName, float],
    approved_value: str,
    tolerance: Mapping[str, int],
) -> str:
    """The fingerprint of what the results depend on besides the records.

    ``flows`` maps each enabled flow to its SLA in seconds, ``tolerance`` each currency to its
    amount-mismatch tolerance in minor units. Reads the identity map from the compute's
    ``identity_link`` table.
    """
    row = conn.execute(
        "SELECT md5(COALESCE(string_agg(system || '/' || customer_id || '/' || crm_account_id, "
        "',' ORDER BY system, customer_id), '')) FROM identity_link"
    ).fetchone()
    assert row is not None
    document = {
        "flows": dict(flows),
        "approved_value": approved_value,
        "mismatch_tolerance": dict(tolerance),
        "identity_map": row[0],
        "flow_sql": _flow_sql_digest(),
    }
    return json.dumps(document, sort_keys=True)


def previous(conn: psycopg.Connection[Any], now: datetime, current: str) -> Previous | None:
    """The last compute's state if an incremental compute at ``now`` may start from it."""
    row = conn.execute("SELECT evaluated_at, snapshot::text, inputs FROM compute_state").fetchone()
    if row is None or row[2] != current or row[0] > now:
        return None
    return Previous(row[0], row[1])
