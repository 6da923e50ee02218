-- Customers whose link names no live CRM account (or nothing at all).
SELECT 'orphan_customers', jsonb_build_object('system', s.system),
       count(o.customer_id)::float8, 'count'
FROM (VALUES ('netsuite'), ('stripe')) AS s (system)
LEFT JOIN orphan_customer o ON o.system = s.system
GROUP BY s.system
