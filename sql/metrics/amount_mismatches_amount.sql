-- Billing totals of the mismatched invoices, per currency.
SELECT 'amount_mismatches_amount', jsonb_build_object('currency', currency),
       sum(amount_minor)::float8, 'minor'
FROM invoice_mismatch
WHERE currency IS NOT NULL
GROUP BY currency
