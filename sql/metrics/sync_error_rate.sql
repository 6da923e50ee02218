-- Share of the last 24 hours' attempts that failed or were dead-lettered.
SELECT 'sync_error_rate', jsonb_build_object('flow', flow),
       avg(CASE WHEN status IN ('failed', 'dead_letter') THEN 1.0 ELSE 0.0 END)::float8, 'ratio'
FROM sync_event
WHERE flow = ANY (%(flows)s::text[]) AND ts > %(now)s - interval '24 hours' AND ts <= %(now)s
GROUP BY flow
