-- Customers sharing their account link with another customer of the same system.
SELECT 'duplicate_customers', jsonb_build_object('system', s.system),
       COALESCE(sum(d.customers), 0)::float8, 'count'
FROM (VALUES ('netsuite'), ('stripe')) AS s (system)
LEFT JOIN customer_account d ON d.system = s.system AND d.customers > 1
GROUP BY s.system
