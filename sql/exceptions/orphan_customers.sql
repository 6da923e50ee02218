-- Customers whose link names no live CRM account.
SELECT 'orphan_customers', jsonb_build_object('system', c.system), c.system, 'customer',
       c.customer_id, NULL::bigint, NULL::text, c.created_at,
       jsonb_build_object('account_id', c.account_id)
FROM customer_link c
LEFT JOIN live_account a ON a.external_id = c.account_id
WHERE a.external_id IS NULL
