-- Customers whose link names no live CRM account (or nothing at all).
SELECT 'orphan_customers', jsonb_build_object('system', s.system),
       count(c.customer_id)::float8, 'count'
FROM (VALUES ('netsuite'), ('stripe')) AS s (system)
LEFT JOIN customer_link c
       ON c.system = s.system
      AND (c.account_id IS NULL
           OR NOT EXISTS (SELECT 1 FROM live_account a WHERE a.external_id = c.account_id))
GROUP BY s.system
