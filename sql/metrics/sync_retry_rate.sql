-- Share of the last 24 hours' attempts that were retries (attempt > 1).
SELECT 'sync_retry_rate', jsonb_build_object('flow', flow),
       avg(CASE WHEN attempt > 1 THEN 1.0 ELSE 0.0 END)::float8, 'ratio'
FROM sync_event
WHERE flow = ANY (%(flows)s::text[]) AND ts > %(now)s - interval '24 hours' AND ts <= %(now)s
GROUP BY flow
