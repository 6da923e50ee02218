-- Customers that share their account link with another customer of the same system.
SELECT 'duplicate_customers', jsonb_build_object('system', d.system), d.system, 'customer',
       d.customer_id, NULL::bigint, NULL::text, d.created_at,
       jsonb_build_object('account_id', d.account_id, 'sharing', to_jsonb(d.sharing))
FROM (
    SELECT system, customer_id, created_at, account_id,
           array_agg(customer_id) OVER (PARTITION BY system, account_id) AS sharing
    FROM customer_link
    WHERE account_id IS NOT NULL
) d
WHERE cardinality(d.sharing) > 1
