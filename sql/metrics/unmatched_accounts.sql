-- Live accounts older than the account flow's SLA with no customer in that system.
SELECT 'unmatched_accounts', jsonb_build_object('system', s.system),
       count(i.external_id) FILTER (WHERE NOT i.matched AND i.lag > i.sla_seconds)::float8,
       'count'
FROM (VALUES ('account_crm_to_erp', 'netsuite'), ('account_crm_to_billing', 'stripe'))
     AS s (flow, system)
LEFT JOIN flow_item i ON i.flow = s.flow
WHERE s.flow = ANY (%(flows)s::text[])
GROUP BY s.system
