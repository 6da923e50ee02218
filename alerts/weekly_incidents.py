"""The weekly report's alert figures: incidents fired, acknowledged and resolved in the week, and
the mean times to acknowledge (MTTA) and to resolve (MTTR), read from ``alert_event``.

An incident starts when an alert fires; a return from stale data continues the same incident.
Its acknowledgement and resolution are the first of each after it fired and before it fired
again. A time counts in the week the acknowledgement or resolution happened in.
"""

from __future__ import annotations

from typing import Any

import psycopg

from alerts.weekly_period import Week
from alerts.weekly_totals import ReportModel


class AlertKpi(ReportModel):
    """Alerts that fired in the week, and how fast they were acknowledged and resolved."""

    fired: int
    fired_prev: int
    fired_by_severity: dict[str, int]
    acknowledged: int
    mtta_seconds: float | None
    resolved: int
    mttr_seconds: float | None


_ALERTS = """
WITH started AS (
    -- An incident starts when an alert fires (a return from stale continues the same one).
    SELECT e.alert_id, e.ts AS fired_at,
           lead(e.ts) OVER (PARTITION BY e.alert_id ORDER BY e.ts, e.id) AS next_fired
    FROM alert_event e
    WHERE e.to_state = 'firing' AND e.from_state IS DISTINCT FROM 'stale'
), incident AS (
    SELECT s.alert_id, s.fired_at,
        (SELECT min(k.ts) FROM alert_event k WHERE k.alert_id = s.alert_id
            AND k.to_state = 'acknowledged' AND k.ts >= s.fired_at
            AND (s.next_fired IS NULL OR k.ts < s.next_fired)) AS acknowledged_at,
        (SELECT min(r.ts) FROM alert_event r WHERE r.alert_id = s.alert_id
            AND r.to_state = 'resolved' AND r.ts >= s.fired_at
            AND (s.next_fired IS NULL OR r.ts <= s.next_fired)) AS resolved_at
    FROM started s
)
SELECT
    (SELECT count(*) FROM incident WHERE fired_at >= %(start)s AND fired_at < %(end)s),
    (SELECT count(*) FROM incident WHERE fired_at >= %(prev)s AND fired_at < %(start)s),
    (SELECT COALESCE(jsonb_object_agg(severity, n), '{}') FROM (
        SELECT a.severity, count(*) AS n FROM incident i JOIN alert a ON a.id = i.alert_id
        WHERE i.fired_at >= %(start)s AND i.fired_at < %(end)s
        GROUP BY a.severity) s),
    (SELECT count(*) FROM incident
        WHERE acknowledged_at >= %(start)s AND acknowledged_at < %(end)s),
    (SELECT avg(extract(epoch FROM acknowledged_at - fired_at))::float8 FROM incident
        WHERE acknowledged_at >= %(start)s AND acknowledged_at < %(end)s),
    (SELECT count(*) FROM incident WHERE resolved_at >= %(start)s AND resolved_at < %(end)s),
    (SELECT avg(extract(epoch FROM resolved_at - fired_at))::float8 FROM incident
        WHERE resolved_at >= %(start)s AND resolved_at < %(end)s)
"""


def alert_kpi(conn: psycopg.Connection[Any], this: Week, prev: Week) -> AlertKpi:
    """Incidents of ``this`` week (and how many fired in ``prev``), with MTTA and MTTR."""
    row = conn.execute(
        _ALERTS, {"start": this.start, "end": this.end, "prev": prev.start}
    ).fetchone()
    assert row is not None  # a SELECT of scalar subqueries always yields one row
    fired, fired_prev, by_severity, acked, mtta, resolved, mttr = row
    return AlertKpi(
        fired=fired, fired_prev=fired_prev, fired_by_severity=by_severity, acknowledged=acked,
        mtta_seconds=mtta, resolved=resolved, mttr_seconds=mttr,
    )  # fmt: skip
