-- The items of a flow that any metric or exception reads: open ones, those whose source time
-- falls in the last 24 hours (lag quantiles, SLA attainment) and those stamped with clock skew.
-- Lag: reflected, target - source, never below 0; open, now - source.
INSERT INTO flow_item
SELECT %(flow)s, %(source_system)s, %(source_object)s, %(target_system)s,
       f.external_id, f.source_time, f.target_time, f.matched, f.amount_minor, f.currency,
       f.target_ids, %(sla_seconds)s,
       CASE
           WHEN NOT f.matched THEN extract(epoch FROM %(now)s - f.source_time)::float8
           WHEN f.target_time IS NULL THEN NULL
           ELSE greatest(0, extract(epoch FROM f.target_time - f.source_time))::float8
       END,
       f.matched AND COALESCE(f.target_time < f.source_time, false)
FROM ({flow_query}) AS f
WHERE NOT f.matched
   OR f.source_time > %(now)s - interval '24 hours'
   OR f.target_time < f.source_time
