-- Customers that share their account link with another customer of the same system.
SELECT 'duplicate_customers', jsonb_build_object('system', system), system, 'customer',
       customer_id, NULL::bigint, NULL::text, created_at,
       jsonb_build_object('account_id', account_id, 'sharing', to_jsonb(sharing))
FROM duplicate_customer
