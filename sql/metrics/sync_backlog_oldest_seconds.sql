-- Age of each flow's oldest open item (0 when nothing is open).
SELECT 'sync_backlog_oldest_seconds', jsonb_build_object('flow', f.flow),
       COALESCE(max(i.lag) FILTER (WHERE NOT i.matched), 0)::float8, 'seconds'
FROM unnest(%(flows)s::text[]) AS f (flow)
LEFT JOIN flow_item i ON i.flow = f.flow
GROUP BY f.flow
