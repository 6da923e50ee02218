-- An incremental compute's customers and mismatches outside its scope: as the last compute
-- found them. A customer is in scope when it changed or its account is in scope.
INSERT INTO orphan_customer
SELECT o.system, o.customer_id, o.created_at, o.account_id
FROM compute_orphan_customer o
WHERE NOT EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'customer' AND s.system = o.system
                                          AND s.id = o.customer_id)
  AND NOT EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'account' AND s.id = o.account_id);
INSERT INTO duplicate_customer
SELECT d.system, d.customer_id, d.created_at, d.account_id, d.sharing
FROM compute_duplicate_customer d
WHERE NOT EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'customer' AND s.system = d.system
                                          AND s.id = d.customer_id)
  AND NOT EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'account' AND s.id = d.account_id);
INSERT INTO invoice_mismatch
SELECT m.external_id, m.amount_minor, m.currency, m.erp_id, m.erp_amount_minor, m.erp_currency,
       m.erp_created, m.difference_minor
FROM compute_invoice_mismatch m
WHERE NOT EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'invoice' AND s.id = m.external_id);
