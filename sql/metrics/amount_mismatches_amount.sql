-- The mismatched invoices' differences (billing minus ERP) as absolute amounts, per billing
-- currency: an invoice short in the ERP and one over it are both money to correct.
SELECT 'amount_mismatches_amount', jsonb_build_object('currency', currency),
       sum(abs(difference_minor))::float8, 'minor'
FROM invoice_mismatch
WHERE currency IS NOT NULL AND difference_minor IS NOT NULL
GROUP BY currency
