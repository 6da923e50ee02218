"""The dashboards' first screens that read a whole backlog, stored by every compute.

Money at risk (executive), unposted money by age and currency (finance) and records failing to
sync by error code with each group's records (integration) read every open item or a week of
failed attempts; at a million accounts that takes most of a second. The compute already holds
the store still, so it runs these reads for the pages' default view (no flow or system filter,
the default time range, ending at its own instant) and stores their rows (page_snapshot); a
page with those filters reads them back. Any other filter runs the same SQL live.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

import psycopg

from metrics import failing_records, open_money, page_snapshots
from metrics.flows import FLOWS

DEFAULT_SPAN: Final = timedelta(days=7)
"""The time range a page opens with."""
ROW_LIMIT: Final = 1000
"""The most rows a page lists."""
WEEK: Final = timedelta(days=7)
"""How far back "a week ago" is."""


def window_params(
    until: datetime, span: timedelta = DEFAULT_SPAN, flow: str | None = None,
    system: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The parameters every page read takes for a time range ending at ``until``."""
    return {
        "since": until - span,
        "until": until,
        "prior": until - WEEK,
        "flow": flow,
        "system": system,
        "limit": ROW_LIMIT,
    }


READS: Final = [
    ("executive.risk_totals", open_money.RISK_TOTALS, open_money.RISK_PARAMS),
    ("finance.buckets", open_money.UNPOSTED, open_money.UNPOSTED_PARAMS),
]
"""The stored reads besides the error groups: name, SQL and parameters beyond the window's."""
GROUPS: Final = "integration.error_groups"
RECORDS: Final = "integration.error_records"


def group_params(now: datetime, group: tuple[str, str | None] | None = None) -> dict[str, Any]:
    """The default view's parameters of the error groups, or of one group's records."""
    return {**window_params(now), **failing_records.flow_params(list(FLOWS), group)}


def _fresh_statistics(conn: psycopg.Connection[Any], open_items: int) -> None:
    """Analyze the exception items when the planner's statistics say there are far fewer than
    are open: right after the first compute of a large store, they still describe an empty
    table, and the reads would be planned as over one (minutes instead of a second)."""
    row = conn.execute(
        "SELECT reltuples FROM pg_class WHERE oid = 'exception_item'::regclass"
    ).fetchone()
    if row is not None and row[0] < open_items / 2:
        conn.execute("ANALYZE exception_item")


def store(conn: psycopg.Connection[Any], now: datetime, open_items: int) -> int:
    """Replace every snapshot by the default view's reads at ``now`` (in the compute's
    transaction, which found ``open_items``); returns how many reads were stored."""
    _fresh_statistics(conn, open_items)
    page_snapshots.forget(conn)
    for name, sql_text, extra in READS:
        page_snapshots.store(conn, name, sql_text, {**window_params(now), **extra}, now)
    _, groups = page_snapshots.store(conn, GROUPS, failing_records.GROUPS, group_params(now), now)
    for row in groups:
        group = (str(row[0]), None if row[1] is None else str(row[1]))
        page_snapshots.store(conn, RECORDS, failing_records.RECORDS, group_params(now, group), now)
    return len(READS) + 1 + len(groups)
