-- 1 when a source's last poll worked, 0 when it failed.
SELECT 'collector_healthy', jsonb_build_object('source', source),
       CASE WHEN healthy THEN 1.0 ELSE 0.0 END, 'bool'
FROM source_health
