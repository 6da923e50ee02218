-- Unposted invoices with the latest middleware attempt for each (none: never attempted).
CREATE TEMP TABLE invoice_posting ON COMMIT DROP AS
SELECT i.external_id, i.source_time, i.amount_minor, i.currency, i.sla_seconds,
       e.status AS last_status, e.ts AS last_ts, e.correlation_id,
       CASE
           WHEN %(now)s - i.source_time < interval '1 hour' THEN 'lt_1h'
           WHEN %(now)s - i.source_time < interval '24 hours' THEN '1h_24h'
           WHEN %(now)s - i.source_time < interval '7 days' THEN '1d_7d'
           ELSE 'gt_7d'
       END AS age_bucket
FROM flow_item i
LEFT JOIN LATERAL (
    SELECT s.status, s.ts, s.correlation_id
    FROM sync_event s
    WHERE s.flow = 'invoice_billing_to_erp' AND s.source_id = i.external_id
      AND s.ts <= %(now)s
    ORDER BY s.ts DESC, s.id DESC
    LIMIT 1
) e ON true
WHERE i.flow = 'invoice_billing_to_erp' AND NOT i.matched;
