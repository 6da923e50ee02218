-- Requests each source refused as rate-limited in the last 24 hours.
SELECT 'collector_rate_limited', jsonb_build_object('source', source),
       sum(rate_limited)::float8, 'count'
FROM collector_run
WHERE started_at > %(now)s - interval '24 hours' AND started_at <= %(now)s
GROUP BY source
