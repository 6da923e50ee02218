-- Share of the last 24 hours' items whose lag is within the flow's SLA.
SELECT 'sla_attainment', jsonb_build_object('flow', flow),
       avg(CASE WHEN lag <= sla_seconds THEN 1.0 ELSE 0.0 END)::float8, 'ratio'
FROM flow_item
WHERE source_time > %(now)s - interval '24 hours' AND source_time <= %(now)s
  AND lag IS NOT NULL
GROUP BY flow
