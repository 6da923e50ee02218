-- Payments of paid invoices not applied in the ERP whose latest middleware attempt failed or
-- was dead-lettered, by age since paid.
SELECT 'payment_posting_failures', jsonb_build_object('age_bucket', b.bucket),
       count(p.external_id)::float8, 'count'
FROM unnest(ARRAY['lt_1h', '1h_24h', '1d_7d', 'gt_7d']) AS b (bucket)
LEFT JOIN invoice_posting p
       ON p.flow = 'payment_billing_to_erp' AND p.age_bucket = b.bucket
      AND p.last_status IN ('failed', 'dead_letter')
WHERE 'payment_billing_to_erp' = ANY (%(flows)s::text[])
GROUP BY b.bucket
