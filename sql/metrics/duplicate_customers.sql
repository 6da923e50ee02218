-- Customers sharing their account link with another customer of the same system.
SELECT 'duplicate_customers', jsonb_build_object('system', s.system),
       count(d.customer_id)::float8, 'count'
FROM (VALUES ('netsuite'), ('stripe')) AS s (system)
LEFT JOIN duplicate_customer d ON d.system = s.system
GROUP BY s.system
