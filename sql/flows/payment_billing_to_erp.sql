-- Paid billing invoices must be marked paid in the ERP; the earliest paid ERP invoice counts.
SELECT i.external_id, i.paid_at AS source_time, t.target_time, t.matched,
       i.amount_minor, i.currency, t.target_ids
FROM source_record i
LEFT JOIN LATERAL (
    SELECT min(e.paid_at) AS target_time, count(*) > 0 AS matched,
           array_agg(e.external_id ORDER BY e.paid_at, e.external_id) AS target_ids
    FROM source_record e
    WHERE e.system = 'netsuite' AND e.object_type = 'invoice'
      AND e.link_ref = i.external_id AND e.paid_at <= %(now)s
) t ON true
WHERE i.system = 'stripe' AND i.object_type = 'invoice'
  AND i.paid_at <= %(now)s
  AND (i.voided_at IS NULL OR i.voided_at > %(now)s)
