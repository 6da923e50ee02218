-- Accounts with no customer in the ERP or billing system past the account flow's SLA.
SELECT 'unmatched_accounts', jsonb_build_object('system', s.system), i.source_system,
       i.source_object, i.external_id, i.amount_minor, i.currency,
       i.source_time + i.sla_seconds * interval '1 second',
       jsonb_build_object('missing_in', s.system)
FROM (VALUES ('account_crm_to_erp', 'netsuite'), ('account_crm_to_billing', 'stripe'))
     AS s (flow, system)
JOIN flow_item i ON i.flow = s.flow
WHERE NOT i.matched AND i.lag > i.sla_seconds
