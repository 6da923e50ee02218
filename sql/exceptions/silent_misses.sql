-- Invoices missing from the ERP past the SLA that the middleware never logged.
SELECT 'silent_misses', jsonb_build_object('age_bucket', age_bucket), 'stripe', 'invoice',
       external_id, amount_minor, currency, source_time + sla_seconds * interval '1 second',
       '{}'::jsonb
FROM invoice_posting
WHERE flow = 'invoice_billing_to_erp' AND last_status IS NULL
  AND %(now)s - source_time > sla_seconds * interval '1 second'
