-- Posted invoices whose earliest ERP invoice has another total or currency.
CREATE TEMP TABLE invoice_mismatch ON COMMIT DROP AS
SELECT i.external_id, i.amount_minor, i.currency, e.external_id AS erp_id,
       e.amount_minor AS erp_amount_minor, e.currency AS erp_currency, e.created_at AS erp_created
FROM flow_record i
JOIN erp_invoice e ON e.link_ref = i.external_id
WHERE 'invoice_billing_to_erp' = ANY (%(flows)s::text[])
  AND i.system = 'stripe' AND i.object_type = 'invoice'
  AND i.finalized_at <= %(now)s
  AND (i.voided_at IS NULL OR i.voided_at > %(now)s)
  AND (e.amount_minor IS DISTINCT FROM i.amount_minor OR e.currency IS DISTINCT FROM i.currency);
