-- Time since each source's last successful poll (absent until one succeeds).
SELECT 'collector_freshness_seconds', jsonb_build_object('source', source),
       greatest(0, extract(epoch FROM %(now)s - last_success_at))::float8, 'seconds'
FROM source_health
WHERE last_success_at IS NOT NULL
