-- Open items already past the flow's SLA.
SELECT 'sla_breaches', jsonb_build_object('flow', f.flow),
       count(i.external_id) FILTER (WHERE NOT i.matched AND i.lag > i.sla_seconds)::float8,
       'count'
FROM unnest(%(flows)s::text[]) AS f (flow)
LEFT JOIN flow_item i ON i.flow = f.flow
GROUP BY f.flow
