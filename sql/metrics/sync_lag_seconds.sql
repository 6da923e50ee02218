-- Lag quantiles over items whose source time falls in the last 24 hours, matched or open.
SELECT 'sync_lag_seconds' AS name, jsonb_build_object('flow', s.flow, 'quantile', q.quantile),
       q.value, 'seconds'
FROM (
    SELECT flow,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY lag) AS p95,
           max(lag) AS top
    FROM flow_item
    WHERE source_time > %(now)s - interval '24 hours' AND source_time <= %(now)s
      AND lag IS NOT NULL
    GROUP BY flow
) s
CROSS JOIN LATERAL (VALUES ('p50', s.p50), ('p95', s.p95), ('max', s.top)) q (quantile, value)
