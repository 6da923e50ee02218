-- Invoices missing from the ERP past the SLA with no middleware log line at all, by age.
SELECT 'silent_misses', jsonb_build_object('age_bucket', b.bucket),
       count(p.external_id)::float8, 'count'
FROM unnest(ARRAY['lt_1h', '1h_24h', '1d_7d', 'gt_7d']) AS b (bucket)
LEFT JOIN invoice_posting p
       ON p.flow = 'invoice_billing_to_erp' AND p.age_bucket = b.bucket
      AND p.last_status IS NULL
      AND %(now)s - p.source_time > p.sla_seconds * interval '1 second'
WHERE 'invoice_billing_to_erp' = ANY (%(flows)s::text[])
GROUP BY b.bucket
