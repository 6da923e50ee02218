-- An incremental compute's scope: the items whose inputs may differ from the last compute's.
-- Records whose writing transaction the last compute's snapshot (%(since)s) did not see, the
-- old references of records moved or deleted since, and records of the last compute's future
-- whose times fell between its instant (%(previous)s) and this one. An invoice among them
-- names its customer (parent_ref), whose open balance customer_money.sql reads again.
INSERT INTO changed_record
SELECT system, object_type, external_id, account_ref, link_ref, parent_ref
FROM source_record
WHERE written_xid >= pg_snapshot_xmin(%(since)s::pg_snapshot)
  AND NOT pg_visible_in_snapshot(written_xid, %(since)s::pg_snapshot)
UNION ALL
SELECT system, object_type, external_id, account_ref, link_ref, parent_ref
FROM record_change
WHERE written_xid >= pg_snapshot_xmin(%(since)s::pg_snapshot)
  AND NOT pg_visible_in_snapshot(written_xid, %(since)s::pg_snapshot)
UNION ALL
SELECT r.system, r.object_type, r.external_id, r.account_ref, r.link_ref, r.parent_ref
FROM compute_future_record f
JOIN source_record r USING (system, object_type, external_id)
WHERE EXISTS (
    SELECT 1 FROM unnest(ARRAY[r.created_at, r.approved_at, r.finalized_at, r.paid_at,
                               r.voided_at]) AS t (at)
    WHERE t.at > %(previous)s AND t.at <= %(now)s
);
ANALYZE changed_record;
-- The scope, by the kind of item: source object ids (account, invoice, amendment) and
-- customers (with their system). A record counts for the items it feeds: a customer for the
-- accounts it names (before and after a move, and through the identity map), an ERP invoice
-- for the billing invoice it posts, a subscription change for the quote it applies. A new
-- invoice or payment middleware line puts its invoice in scope, as may its time crossing to
-- this instant.
INSERT INTO scope
SELECT DISTINCT kind, system, id
FROM (
    SELECT object_type AS kind, NULL AS system, external_id AS id
    FROM changed_record
    WHERE (system, object_type) IN (('salesforce', 'account'), ('stripe', 'invoice'),
                                    ('salesforce', 'amendment'))
    UNION ALL
    SELECT 'invoice', NULL, link_ref
    FROM changed_record
    WHERE system = 'netsuite' AND object_type = 'invoice' AND link_ref IS NOT NULL
    UNION ALL
    SELECT 'amendment', NULL, link_ref
    FROM changed_record
    WHERE system = 'stripe' AND object_type IN ('subscription_change', 'subscription')
      AND link_ref IS NOT NULL
    UNION ALL
    SELECT 'customer', system, external_id
    FROM changed_record
    WHERE system IN ('netsuite', 'stripe') AND object_type = 'customer'
    UNION ALL
    SELECT 'account', NULL, account_ref
    FROM changed_record
    WHERE system IN ('netsuite', 'stripe') AND object_type = 'customer' AND account_ref <> ''
    UNION ALL
    SELECT 'account', NULL, m.crm_account_id
    FROM changed_record c
    JOIN identity_link m ON m.system = c.system AND m.customer_id = c.external_id
    WHERE c.object_type = 'customer'
    UNION ALL
    SELECT 'invoice', NULL, source_id
    FROM sync_event
    WHERE flow IN ('invoice_billing_to_erp', 'payment_billing_to_erp')
      AND written_xid >= pg_snapshot_xmin(%(since)s::pg_snapshot)
      AND NOT pg_visible_in_snapshot(written_xid, %(since)s::pg_snapshot)
    UNION ALL
    SELECT 'invoice', NULL, source_id
    FROM sync_event
    WHERE flow IN ('invoice_billing_to_erp', 'payment_billing_to_erp')
      AND ts > %(previous)s AND ts <= %(now)s
) AS s;
ANALYZE scope;
-- The records the scoped items read. A customer is read when its effective account is in
-- scope (so an account in scope sees all its customers) or when it changed itself.
CREATE TEMP TABLE flow_record ON COMMIT DROP AS
SELECT r.*
FROM scope s
JOIN source_record r
  ON (r.system, r.object_type, r.external_id) = (CASE s.kind
         WHEN 'account' THEN 'salesforce' WHEN 'amendment' THEN 'salesforce'
         WHEN 'invoice' THEN 'stripe' END, s.kind, s.id)
WHERE s.kind IN ('account', 'amendment', 'invoice')
UNION ALL
SELECT r.*
FROM scope s
JOIN source_record r
  ON r.system = 'netsuite' AND r.object_type = 'invoice' AND r.link_ref = s.id
WHERE s.kind = 'invoice'
UNION ALL
SELECT r.*
FROM scope s
CROSS JOIN (VALUES ('subscription_change'), ('subscription')) AS t (object_type)
JOIN source_record r
  ON r.system = 'stripe' AND r.object_type = t.object_type AND r.link_ref = s.id
WHERE s.kind = 'amendment'
UNION ALL
SELECT r.*
FROM (
    SELECT system, id AS external_id FROM scope WHERE kind = 'customer'
    UNION
    SELECT m.system, m.customer_id
    FROM scope s JOIN identity_link m ON m.crm_account_id = s.id
    WHERE s.kind = 'account'
    UNION
    SELECT c.system, c.external_id
    FROM scope s
    CROSS JOIN (VALUES ('netsuite'), ('stripe')) AS c0 (system)
    JOIN source_record c
      ON c.system = c0.system AND c.object_type = 'customer' AND c.account_ref = s.id
    WHERE s.kind = 'account'
) AS k
JOIN source_record r
  ON r.system = k.system AND r.object_type = 'customer' AND r.external_id = k.external_id
LEFT JOIN identity_link m ON m.system = r.system AND m.customer_id = r.external_id
WHERE EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'customer' AND s.system = r.system
                                      AND s.id = r.external_id)
   OR EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'account'
                                      AND s.id = COALESCE(m.crm_account_id, r.account_ref));
-- The invoice flows list each kept item's ERP invoices by link, and the customer checks read
-- each flagged account's customers by account (as a full compute does from the store).
CREATE INDEX ON flow_record (link_ref);
CREATE INDEX ON flow_record (system, account_ref) WHERE object_type = 'customer';
ANALYZE flow_record;
