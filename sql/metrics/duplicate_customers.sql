-- Customers sharing their account link with another customer of the same system.
SELECT 'duplicate_customers', jsonb_build_object('system', s.system),
       count(d.customer_id)::float8, 'count'
FROM (VALUES ('netsuite'), ('stripe')) AS s (system)
LEFT JOIN (
    SELECT system, customer_id,
           count(*) OVER (PARTITION BY system, account_id) AS sharing
    FROM customer_link
    WHERE account_id IS NOT NULL
) d ON d.system = s.system AND d.sharing > 1
GROUP BY s.system
