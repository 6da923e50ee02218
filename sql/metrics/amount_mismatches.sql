-- Posted invoices whose ERP total (earliest ERP invoice) differs from the billing total by more
-- than the currency's tolerance, or is in another currency.
SELECT 'amount_mismatches', '{}'::jsonb, count(m.external_id)::float8, 'count'
FROM (SELECT 1) AS one
LEFT JOIN invoice_mismatch m ON true
WHERE 'invoice_billing_to_erp' = ANY (%(flows)s::text[])
