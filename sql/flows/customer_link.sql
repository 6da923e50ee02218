-- Effective account of every customer in the ERP and billing systems: the link rule
-- (the customer's account reference), overridden by the identity map (identity_link.sql).
CREATE TEMP TABLE customer_link ON COMMIT DROP AS
SELECT c.system,
       c.external_id AS customer_id,
       c.created_at,
       NULLIF(COALESCE(m.crm_account_id, c.account_ref), '') AS account_id
FROM flow_record c
LEFT JOIN identity_link m ON m.system = c.system AND m.customer_id = c.external_id
WHERE c.system IN ('netsuite', 'stripe')
  AND c.object_type = 'customer'
  AND NOT c.is_deleted
  AND c.created_at <= %(now)s;
