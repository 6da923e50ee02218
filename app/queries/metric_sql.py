"""SQL over metric history shared by several pages (latest values, week-ago values, trends)."""

from __future__ import annotations

from app.queries.names import names_join
from core.sqlfiles import sql_text

# Each source's health (``ok``) and freshness (``f``) as their metrics' one SQL definitions say
# at ``%(now)s``, joined to ``source_health h``: a run left by a dead process shows at once, as
# in alerts and the exporter.
SOURCE_STATE_JOINS = f"""
    LEFT JOIN (
        {sql_text("metrics", "collector_healthy")}
    ) ok (name, labels, value, unit) ON ok.labels ->> 'source' = h.source
    LEFT JOIN (
        {sql_text("metrics", "collector_freshness_seconds")}
    ) f (name, labels, value, unit) ON f.labels ->> 'source' = h.source"""

# Latest value of each series (by the metric_point primary key) with the value about a week
# earlier: a raw point when still kept, else the hourly rollup, within a day of a week ago.
LATEST_WITH_PRIOR = """
SELECT s.name, s.labels, s.unit, p.value,
       COALESCE(
           (SELECT w.value FROM metric_point w
            WHERE w.series_id = s.id AND w.ts <= %(prior)s AND w.ts > %(prior)s - interval '1 day'
            ORDER BY w.ts DESC LIMIT 1),
           (SELECT r.last FROM metric_rollup r
            WHERE r.series_id = s.id AND r.resolution = '1h' AND r.bucket <= %(prior)s
              AND r.bucket > %(prior)s - interval '1 day'
            ORDER BY r.bucket DESC LIMIT 1)) AS prior
FROM metric_series s
JOIN metric_point p ON p.series_id = s.id AND p.ts = %(until)s
WHERE s.name = ANY (%(names)s::text[])
  AND (%(flow)s::text IS NULL OR NOT s.labels ? 'flow' OR s.labels ->> 'flow' = %(flow)s)
  AND (%(system)s::text IS NULL OR NOT s.labels ? 'system' OR s.labels ->> 'system' = %(system)s)
ORDER BY s.name, s.labels::text
"""

# A series' points over the window: raw points, and rollups only before the oldest raw point.
HISTORY = """
SELECT s.name, s.labels, h.ts, h.value
FROM metric_series s
CROSS JOIN LATERAL (
    SELECT p.ts, p.value FROM metric_point p
    WHERE p.series_id = s.id AND p.ts > %(since)s AND p.ts <= %(until)s
    UNION ALL
    SELECT r.bucket, r.last FROM metric_rollup r
    WHERE r.series_id = s.id AND r.resolution = %(resolution)s
      AND r.bucket > %(since)s AND r.bucket <= %(until)s
      AND r.bucket < COALESCE(
          (SELECT min(m.ts) FROM metric_point m WHERE m.series_id = s.id), 'infinity')
) h
WHERE s.name = ANY (%(names)s::text[])
  AND (%(flow)s::text IS NULL OR s.labels ->> 'flow' = %(flow)s)
  AND (%(flows)s::text[] IS NULL OR s.labels ->> 'flow' = ANY (%(flows)s::text[]))
  AND (%(quantiles)s::text[] IS NULL OR s.labels ->> 'quantile' = ANY (%(quantiles)s::text[]))
ORDER BY h.ts
"""

# Open exception items of some metrics, largest amounts first (by size: a mismatch's difference
# may be negative), with the record to drill into, its name and its customer's name.
# Each metric's largest open items are read in index order, then merged: the same rows as one
# sort of every open item of those metrics, without reading them all.
OPEN_ITEMS = f"""
SELECT i.*, names.record_name, names.customer_name
FROM unnest(%(metrics)s::text[]) AS m (metric)
CROSS JOIN LATERAL (
    SELECT id, fingerprint, metric, labels ->> 'flow' AS flow,
           labels ->> 'age_bucket' AS age_bucket, system, object_type, external_id,
           amount_minor, currency, status, assignee, owner, since, first_seen, note, related
    FROM exception_item
    WHERE resolved_at IS NULL AND metric = m.metric
      AND (%(flow)s::text IS NULL OR labels ->> 'flow' IS NULL OR labels ->> 'flow' = %(flow)s)
      AND (%(system)s::text IS NULL OR system = %(system)s)
    ORDER BY abs(amount_minor) DESC NULLS LAST, id
    LIMIT %(limit)s
) i
{names_join("i.system", "i.object_type", "i.external_id")}
ORDER BY abs(i.amount_minor) DESC NULLS LAST, i.id
LIMIT %(limit)s
"""
