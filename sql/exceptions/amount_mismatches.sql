-- Posted invoices whose ERP total differs from billing.
SELECT 'amount_mismatches', '{}'::jsonb, 'stripe', 'invoice', external_id, amount_minor,
       currency, erp_created,
       jsonb_build_object('netsuite_invoice', erp_id, 'erp_amount_minor', erp_amount_minor,
                          'erp_currency', erp_currency)
FROM invoice_mismatch
