-- ARR of the unmatched accounts, per system and currency.
SELECT 'unmatched_accounts_arr', jsonb_build_object('system', s.system, 'currency', i.currency),
       sum(i.amount_minor)::float8, 'minor'
FROM (VALUES ('account_crm_to_erp', 'netsuite'), ('account_crm_to_billing', 'stripe'))
     AS s (flow, system)
JOIN flow_item i ON i.flow = s.flow
WHERE NOT i.matched AND i.lag > i.sla_seconds AND i.currency IS NOT NULL
GROUP BY s.system, i.currency
