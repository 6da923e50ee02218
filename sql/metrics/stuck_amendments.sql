-- Approved amendments not applied in billing after the amendment flow's SLA.
SELECT 'stuck_amendments', '{}'::jsonb,
       count(*) FILTER (WHERE NOT matched AND lag > sla_seconds)::float8, 'count'
FROM flow_item
WHERE flow = 'amendment_crm_to_billing'
HAVING 'amendment_crm_to_billing' = ANY (%(flows)s::text[])
