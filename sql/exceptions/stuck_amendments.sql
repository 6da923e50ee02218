-- Approved amendments not applied in billing after the SLA.
SELECT 'stuck_amendments', '{}'::jsonb, source_system, source_object, external_id,
       amount_minor, currency, source_time + sla_seconds * interval '1 second',
       jsonb_build_object('approved_at', source_time)
FROM flow_item
WHERE flow = 'amendment_crm_to_billing' AND NOT matched AND lag > sla_seconds
