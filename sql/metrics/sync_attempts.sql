-- Middleware attempts logged per flow in the last 24 hours.
SELECT 'sync_attempts', jsonb_build_object('flow', f.flow), count(e.id)::float8, 'count'
FROM unnest(%(flows)s::text[]) AS f (flow)
LEFT JOIN sync_event e
       ON e.flow = f.flow AND e.ts > %(now)s - interval '24 hours' AND e.ts <= %(now)s
GROUP BY f.flow
