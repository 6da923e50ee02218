-- Posted invoices whose earliest ERP invoice has another total or currency.
CREATE TEMP TABLE invoice_mismatch ON COMMIT DROP AS
SELECT i.external_id, i.amount_minor, i.currency, e.external_id AS erp_id,
       e.amount_minor AS erp_amount_minor, e.currency AS erp_currency, e.created_at AS erp_created
FROM flow_item i
JOIN source_record e
  ON e.system = 'netsuite' AND e.object_type = 'invoice' AND e.external_id = i.target_ids[1]
WHERE i.flow = 'invoice_billing_to_erp' AND i.matched
  AND (e.amount_minor IS DISTINCT FROM i.amount_minor OR e.currency IS DISTINCT FROM i.currency);
