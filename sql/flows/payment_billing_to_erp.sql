-- Paid billing invoices must be marked paid in the ERP; the earliest paid ERP invoice counts.
SELECT i.external_id, i.paid_at AS source_time, t.target_time,
       t.target_time IS NOT NULL AS matched, i.amount_minor, i.currency, t.target_ids
FROM source_record i
LEFT JOIN (
    SELECT link_ref, min(paid_at) AS target_time,
           array_agg(external_id ORDER BY paid_at, external_id) AS target_ids
    FROM source_record
    WHERE system = 'netsuite' AND object_type = 'invoice'
      AND link_ref IS NOT NULL AND paid_at <= %(now)s
    GROUP BY link_ref
) t ON t.link_ref = i.external_id
WHERE i.system = 'stripe' AND i.object_type = 'invoice'
  AND i.paid_at <= %(now)s
  AND (i.voided_at IS NULL OR i.voided_at > %(now)s)
