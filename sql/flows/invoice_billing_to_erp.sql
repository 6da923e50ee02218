-- Finalized billing invoices that are not void must be posted to the ERP.
SELECT i.external_id, i.finalized_at AS source_time, t.target_time, t.matched,
       i.amount_minor, i.currency, t.target_ids
FROM source_record i
LEFT JOIN LATERAL (
    SELECT min(e.created_at) AS target_time, count(*) > 0 AS matched,
           array_agg(e.external_id ORDER BY e.created_at, e.external_id) AS target_ids
    FROM source_record e
    WHERE e.system = 'netsuite' AND e.object_type = 'invoice'
      AND e.link_ref = i.external_id AND e.created_at <= %(now)s
) t ON true
WHERE i.system = 'stripe' AND i.object_type = 'invoice'
  AND i.finalized_at <= %(now)s
  AND (i.voided_at IS NULL OR i.voided_at > %(now)s)
