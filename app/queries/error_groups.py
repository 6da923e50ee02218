"""Records still failing to sync, grouped by the error their target system returned (the
SQL and what it counts: metrics/failing_records.py)."""

from __future__ import annotations

from collections.abc import Sequence

from app.queries.core import Frame, Query, Window, load
from core.roles import Identity
from metrics.failing_records import GROUPS as GROUPS_SQL
from metrics.failing_records import RECORDS as RECORDS_SQL
from metrics.failing_records import flow_params

GROUPS = Query("integration.error_groups", "integration", GROUPS_SQL, stored=True)
RECORDS = Query("integration.error_records", "integration", RECORDS_SQL, stored=True)


def groups(identity: Identity | None, window: Window, flows: Sequence[str]) -> Frame:
    """Failing records per target system and error code: how many, their money per currency,
    the flows they fail in, the first and last failure and the latest message."""
    return load(identity, GROUPS, window.params(**flow_params(flows)))


def records(
    identity: Identity | None, window: Window, flows: Sequence[str], system: str, code: str | None
) -> Frame:
    """The failing records of one group, largest money first, with their names and the
    attempt that failed."""
    return load(identity, RECORDS, window.params(**flow_params(flows, (system, code))))
