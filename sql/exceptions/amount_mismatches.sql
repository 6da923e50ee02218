-- Posted invoices whose ERP total differs from billing: the money is the signed difference
-- (billing minus ERP), with both totals kept beside it.
SELECT 'amount_mismatches', '{}'::jsonb, 'stripe', 'invoice', external_id, difference_minor,
       currency, erp_created,
       jsonb_build_object('netsuite_invoice', erp_id, 'billing_amount_minor', amount_minor,
                          'billing_currency', currency, 'erp_amount_minor', erp_amount_minor,
                          'erp_currency', erp_currency)
FROM invoice_mismatch
