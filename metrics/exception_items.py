"""Exception items: the records behind each count, opened, kept current, resolved and reopened.

Each resolution and reopening by the compute is an event of the item's timeline (actor
``syncwatch``), beside the actions people take.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg

from core.config import Settings
from metrics.exception_events import COMPUTE_ACTOR

# An unchanged open item is left alone: rewriting every open row on every compute would cost
# more than the compute itself at scale, so last_seen is when the item last changed or reopened.
# The anti-join against the open items (hashed on the fingerprint) drops the unchanged rows
# before ON CONFLICT has to look each one up. Among the rows left, those whose item is closed
# are reopened; the timeline says so (every part of the statement sees the items as they were
# before it, so the event is written from the closed item).
_RECONCILE = """
WITH candidate AS MATERIALIZED (
    SELECT r.fingerprint, r.metric, r.labels, r.system, r.object_type, r.external_id, r.related,
           r.amount_minor, r.currency, r.owner, r.since
    FROM (
        SELECT e.*, e.currency::char(3) AS code,
               COALESCE(%(flow_owners)s::jsonb ->> (e.labels ->> 'flow'),
                        %(metric_owners)s::jsonb ->> e.metric, 'integration') AS owner
        FROM exception_row e
    ) r
    LEFT JOIN exception_item o
           ON o.fingerprint = r.fingerprint AND o.resolved_at IS NULL
          AND (o.labels, o.related, o.amount_minor, o.currency, o.owner, o.since)
              IS NOT DISTINCT FROM (r.labels, r.related, r.amount_minor, r.code, r.owner, r.since)
    WHERE o.id IS NULL
), reopened AS (
    INSERT INTO exception_event (item_id, kind, actor, at)
    SELECT x.id, 'reopened', %(actor)s, %(now)s
    FROM candidate c
    JOIN exception_item x ON x.fingerprint = c.fingerprint
    WHERE x.resolved_at IS NOT NULL
)
INSERT INTO exception_item AS x
    (fingerprint, metric, labels, system, object_type, external_id, related, amount_minor,
     currency, owner, since, first_seen, last_seen)
SELECT c.fingerprint, c.metric, c.labels, c.system, c.object_type, c.external_id, c.related,
       c.amount_minor, c.currency, c.owner, c.since, %(now)s, %(now)s
FROM candidate c
ON CONFLICT (fingerprint) DO UPDATE SET
    labels = EXCLUDED.labels,
    related = EXCLUDED.related,
    amount_minor = EXCLUDED.amount_minor,
    currency = EXCLUDED.currency,
    owner = EXCLUDED.owner,
    since = EXCLUDED.since,
    last_seen = EXCLUDED.last_seen,
    resolved_at = NULL,
    status = CASE WHEN x.resolved_at IS NOT NULL THEN 'open' ELSE x.status END
WHERE x.resolved_at IS NOT NULL
   OR (x.labels, x.related, x.amount_minor, x.currency, x.owner, x.since)
      IS DISTINCT FROM
      (EXCLUDED.labels, EXCLUDED.related, EXCLUDED.amount_minor, EXCLUDED.currency,
       EXCLUDED.owner, EXCLUDED.since)
"""

_RESOLVE = """
WITH resolved AS (
    UPDATE exception_item x SET resolved_at = %(now)s, status = 'resolved'
    WHERE x.resolved_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM exception_row r WHERE r.fingerprint = x.fingerprint)
    RETURNING x.id
)
INSERT INTO exception_event (item_id, kind, actor, at)
SELECT id, 'resolved', %(actor)s, %(now)s FROM resolved
"""


def reconcile(conn: psycopg.Connection[Any], settings: Settings, now: datetime) -> int:
    """Bring exception_item in line with this compute's exception_row; return how many are open."""
    params = {
        "now": now,
        "flow_owners": json.dumps({n: f.owner for n, f in settings.flow_settings().items()}),
        "metric_owners": json.dumps(settings.metric_owners()),
        "actor": COMPUTE_ACTOR,
    }
    conn.execute("ANALYZE exception_row")
    conn.execute(_RECONCILE, params)
    conn.execute(_RESOLVE, params)
    row = conn.execute("SELECT count(*) FROM exception_item WHERE resolved_at IS NULL").fetchone()
    assert row is not None
    return int(row[0])
