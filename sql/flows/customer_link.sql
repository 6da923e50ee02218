-- Effective account of every customer in the ERP and billing systems: the link rule
-- (the customer's account reference), overridden by the latest confirmed identity-map entry.
CREATE TEMP TABLE customer_link ON COMMIT DROP AS
SELECT c.system,
       c.external_id AS customer_id,
       c.created_at,
       NULLIF(COALESCE(m.crm_account_id, c.account_ref), '') AS account_id
FROM source_record c
LEFT JOIN LATERAL (
    SELECT l.crm_account_id
    FROM account_link l
    WHERE l.system = c.system AND l.customer_id = c.external_id AND l.decision = 'confirmed'
    ORDER BY l.decided_at DESC
    LIMIT 1
) m ON true
WHERE c.system IN ('netsuite', 'stripe')
  AND c.object_type = 'customer'
  AND NOT c.is_deleted
  AND c.created_at <= %(now)s;
CREATE INDEX ON customer_link (system, account_id);
ANALYZE customer_link;
