-- Effective account of every customer in the ERP and billing systems: the link rule (the
-- customer's account reference, none when it is empty), overridden by the identity map
-- (identity_link.sql). A view, so each reader takes the customers from the customer index
-- (migration 0011): all of them in order of system and account, or an account's customers
-- by key. Each part states its order, which lets the account reconciliation merge them.
CREATE TEMP VIEW customer_link AS
(SELECT c.system, c.external_id AS customer_id, c.created_at, c.account_ref AS account_id
 FROM flow_record c
 WHERE c.system IN ('netsuite', 'stripe') AND c.object_type = 'customer' AND NOT c.is_deleted
   AND c.created_at <= %(now)s AND c.account_ref <> ''
   -- NOT IN (a hashed subplan) filters the index scan without disturbing its order.
   AND (c.system, c.external_id) NOT IN (SELECT system, customer_id FROM identity_link)
 ORDER BY c.system, c.account_ref)
UNION ALL
(SELECT c.system, c.external_id, c.created_at, NULL
 FROM flow_record c
 WHERE c.system IN ('netsuite', 'stripe') AND c.object_type = 'customer' AND NOT c.is_deleted
   AND c.created_at <= %(now)s AND c.account_ref IS NULL
   AND (c.system, c.external_id) NOT IN (SELECT system, customer_id FROM identity_link))
UNION ALL
(SELECT c.system, c.external_id, c.created_at, NULL
 FROM flow_record c
 WHERE c.system IN ('netsuite', 'stripe') AND c.object_type = 'customer' AND NOT c.is_deleted
   AND c.created_at <= %(now)s AND c.account_ref = ''
   AND (c.system, c.external_id) NOT IN (SELECT system, customer_id FROM identity_link))
UNION ALL
(SELECT c.system, c.external_id, c.created_at, NULLIF(m.crm_account_id, '')
 FROM identity_link m
 JOIN flow_record c
   ON c.system = m.system AND c.object_type = 'customer' AND c.external_id = m.customer_id
 WHERE NOT c.is_deleted AND c.created_at <= %(now)s
 ORDER BY c.system, NULLIF(m.crm_account_id, ''));
