-- Invoice totals behind the posting failures, per currency.
SELECT 'posting_failures_amount', jsonb_build_object('currency', currency),
       sum(amount_minor)::float8, 'minor'
FROM invoice_posting
WHERE flow = 'invoice_billing_to_erp' AND last_status IN ('failed', 'dead_letter')
  AND currency IS NOT NULL
GROUP BY currency
