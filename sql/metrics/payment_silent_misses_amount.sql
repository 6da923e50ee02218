-- Paid invoice totals behind the payment silent misses, per currency.
SELECT 'payment_silent_misses_amount', jsonb_build_object('currency', currency),
       sum(amount_minor)::float8, 'minor'
FROM invoice_posting
WHERE flow = 'payment_billing_to_erp' AND last_status IS NULL
  AND %(now)s - source_time > sla_seconds * interval '1 second' AND currency IS NOT NULL
GROUP BY currency
