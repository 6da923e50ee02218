-- Stream runs of each source that failed, or were abandoned by a process that died, in the
-- last 24 hours.
SELECT 'collector_failed_runs', jsonb_build_object('source', source),
       count(*) FILTER (WHERE status IN ('failed', 'abandoned'))::float8, 'count'
FROM collector_run
WHERE started_at > %(now)s - interval '24 hours' AND started_at <= %(now)s
GROUP BY source
