-- 1 when a scheduled job's last run worked, 0 when it failed.
SELECT 'scheduler_job_healthy', jsonb_build_object('job', job),
       CASE WHEN healthy THEN 1.0 ELSE 0.0 END, 'bool'
FROM job_health
