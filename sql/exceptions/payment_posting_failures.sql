-- Paid invoices whose payment is not applied in the ERP and whose latest middleware attempt
-- failed; since that attempt.
SELECT 'payment_posting_failures', jsonb_build_object('age_bucket', age_bucket), 'stripe',
       'invoice', external_id, amount_minor, currency, last_ts,
       jsonb_build_object('last_status', last_status, 'correlation_id', correlation_id)
FROM invoice_posting
WHERE flow = 'payment_billing_to_erp' AND last_status IN ('failed', 'dead_letter')
