-- Customers whose link names no live CRM account (or nothing at all).
SELECT 'orphan_customers', jsonb_build_object('system', s.system),
       count(o.customer_id)::float8, 'count'
FROM (VALUES ('netsuite'), ('stripe')) AS s (system)
LEFT JOIN (
    SELECT c.system, c.customer_id
    FROM customer_link c
    LEFT JOIN live_account a ON a.external_id = c.account_id
    WHERE a.external_id IS NULL
) o ON o.system = s.system
GROUP BY s.system
