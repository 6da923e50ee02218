-- Customers whose link names no live CRM account.
SELECT 'orphan_customers', jsonb_build_object('system', system), system, 'customer',
       customer_id, NULL::bigint, NULL::text, created_at,
       jsonb_build_object('account_id', account_id)
FROM orphan_customer
