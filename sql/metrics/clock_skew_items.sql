-- Reflected items whose target is stamped before their source (counted as lag 0).
SELECT 'clock_skew_items', jsonb_build_object('flow', f.flow),
       count(i.external_id) FILTER (WHERE i.skew)::float8, 'count'
FROM unnest(%(flows)s::text[]) AS f (flow)
LEFT JOIN flow_item i ON i.flow = f.flow
GROUP BY f.flow
