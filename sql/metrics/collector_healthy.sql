-- 1 when a source's last poll worked; 0 when it failed, or when a run of the source begun after
-- that poll was recorded has failed, was abandoned, or is still marked running though the
-- session running it is gone: a poll that loses its database or its process cannot record
-- its own health. A source that never recorded a poll is absent, unless a run of it is left
-- running by a session that is gone. (Indexes: collector_run_running, collector_run_source_id.)
SELECT 'collector_healthy', jsonb_build_object('source', s.source),
       CASE WHEN coalesce(h.healthy, true) AND NOT bad.found THEN 1.0 ELSE 0.0 END, 'bool'
FROM (SELECT source FROM source_health
      UNION SELECT source FROM collector_run WHERE status = 'running') AS s (source)
LEFT JOIN source_health h ON h.source = s.source
CROSS JOIN LATERAL (
    SELECT EXISTS (
        SELECT 1 FROM collector_run r
        WHERE r.source = s.source
          AND r.id > coalesce(h.runs_through, 0)
          AND r.started_at <= %(now)s
          AND (r.status IN ('failed', 'abandoned')
               OR (r.status = 'running'
                   AND collector_run_orphaned(r.backend_pid, r.backend_started_at)))
    ) AS found
) AS bad
WHERE h.source IS NOT NULL OR bad.found
