-- Customers that share their account link with another customer of the same system.
SELECT 'duplicate_customers', jsonb_build_object('system', c.system), c.system, 'customer',
       c.customer_id, NULL::bigint, NULL::text, c.created_at,
       jsonb_build_object('account_id', c.account_id, 'sharing', to_jsonb(s.ids))
FROM customer_link c
JOIN shared_account s ON s.system = c.system AND s.account_id = c.account_id
