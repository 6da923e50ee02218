-- Open items past their flow's SLA; they became exceptions when the SLA ran out.
SELECT 'sla_breaches', jsonb_build_object('flow', flow), source_system, source_object, external_id,
       amount_minor, currency, source_time + sla_seconds * interval '1 second',
       jsonb_build_object('target_system', target_system)
FROM flow_item
WHERE NOT matched AND lag > sla_seconds
