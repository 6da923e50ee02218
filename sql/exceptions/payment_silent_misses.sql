-- Paid invoices whose payment is not applied in the ERP past the SLA and that the middleware
-- never logged.
SELECT 'payment_silent_misses', jsonb_build_object('age_bucket', age_bucket), 'stripe',
       'invoice', external_id, amount_minor, currency,
       source_time + sla_seconds * interval '1 second', '{}'::jsonb
FROM invoice_posting
WHERE flow = 'payment_billing_to_erp' AND last_status IS NULL
  AND %(now)s - source_time > sla_seconds * interval '1 second'
