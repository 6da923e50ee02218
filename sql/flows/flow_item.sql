-- One row per eligible source item of a flow: its source and target times, whether it is
-- reflected, and its lag (reflected: target - source, never below 0; open: now - source).
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
