-- Customers that share their account link with another customer of the same system.
SELECT 'duplicate_customers', jsonb_build_object('system', c.system), c.system, 'customer',
       c.customer_id, NULL::bigint, NULL::text, c.created_at,
       jsonb_build_object('account_id', c.account_id, 'sharing', to_jsonb(ARRAY(
           SELECT o.customer_id FROM customer_link o
           WHERE o.system = c.system AND o.account_id = c.account_id
           ORDER BY o.customer_id)))
FROM customer_link c
JOIN customer_account d
  ON d.system = c.system AND d.account_id = c.account_id AND d.customers > 1
