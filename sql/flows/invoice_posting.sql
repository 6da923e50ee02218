-- Invoices and payments missing from the ERP, with the latest middleware attempt of their flow
-- for each (none: never attempted). An incremental compute keeps the last compute's attempt
-- for the items outside its scope (a new line, or one whose time reached this instant, puts
-- its invoice in scope).
CREATE TEMP TABLE invoice_posting ON COMMIT DROP AS
SELECT i.flow, i.external_id, i.source_time, i.amount_minor, i.currency, i.sla_seconds,
       CASE WHEN p.external_id IS NULL THEN e.status ELSE p.last_status END AS last_status,
       CASE WHEN p.external_id IS NULL THEN e.ts ELSE p.last_ts END AS last_ts,
       CASE WHEN p.external_id IS NULL THEN e.correlation_id ELSE p.correlation_id END
           AS correlation_id,
       CASE
           WHEN %(now)s - i.source_time < interval '1 hour' THEN 'lt_1h'
           WHEN %(now)s - i.source_time < interval '24 hours' THEN '1h_24h'
           WHEN %(now)s - i.source_time < interval '7 days' THEN '1d_7d'
           ELSE 'gt_7d'
       END AS age_bucket
FROM flow_item i
LEFT JOIN compute_invoice_posting p
       ON NOT %(full)s AND p.flow = i.flow AND p.external_id = i.external_id
      AND NOT EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'invoice' AND s.id = i.external_id)
LEFT JOIN LATERAL (
    SELECT s.status, s.ts, s.correlation_id
    FROM sync_event s
    WHERE p.external_id IS NULL
      AND s.flow = i.flow AND s.source_id = i.external_id
      AND s.ts <= %(now)s
    ORDER BY s.ts DESC, s.id DESC
    LIMIT 1
) e ON true
WHERE i.flow IN ('invoice_billing_to_erp', 'payment_billing_to_erp') AND NOT i.matched;
