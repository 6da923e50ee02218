-- Open (unreflected) items of each flow, whatever their age.
SELECT 'sync_backlog', jsonb_build_object('flow', f.flow),
       count(i.external_id) FILTER (WHERE NOT i.matched)::float8, 'count'
FROM unnest(%(flows)s::text[]) AS f (flow)
LEFT JOIN flow_item i ON i.flow = f.flow
GROUP BY f.flow
