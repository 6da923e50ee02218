-- Paid billing invoices must be marked paid in the ERP; the earliest paid ERP invoice counts.
-- Target ids are listed only for the items kept (see flow_item.sql).
SELECT i.external_id, i.paid_at AS source_time, t.paid_at AS target_time,
       t.link_ref IS NOT NULL AS matched, i.amount_minor, i.currency,
       CASE WHEN t.link_ref IS NOT NULL THEN ARRAY(
           SELECT p.external_id FROM flow_record p
           WHERE p.system = 'netsuite' AND p.object_type = 'invoice'
             AND p.link_ref = i.external_id AND p.paid_at <= %(now)s AND NOT p.is_deleted
           ORDER BY p.paid_at, p.external_id) END AS target_ids
FROM flow_record i
LEFT JOIN (
    SELECT DISTINCT ON (link_ref) link_ref, paid_at
    FROM flow_record
    WHERE system = 'netsuite' AND object_type = 'invoice'
      AND link_ref IS NOT NULL AND paid_at <= %(now)s AND NOT is_deleted
    ORDER BY link_ref, paid_at, external_id
) t ON t.link_ref = i.external_id
WHERE i.system = 'stripe' AND i.object_type = 'invoice'
  AND i.paid_at <= %(now)s
  AND (i.voided_at IS NULL OR i.voided_at > %(now)s)
