-- Finalized billing invoices that are not void must be posted to the ERP; the earliest ERP
-- invoice reflects it. Target ids are listed only for the items kept (see flow_item.sql).
SELECT i.external_id, i.finalized_at AS source_time, e.created_at AS target_time,
       e.link_ref IS NOT NULL AS matched, i.amount_minor, i.currency,
       CASE WHEN e.link_ref IS NOT NULL THEN ARRAY(
           SELECT t.external_id FROM flow_record t
           WHERE t.system = 'netsuite' AND t.object_type = 'invoice'
             AND t.link_ref = i.external_id AND t.created_at <= %(now)s AND NOT t.is_deleted
           ORDER BY t.created_at, t.external_id) END AS target_ids
FROM flow_record i
LEFT JOIN erp_invoice e ON e.link_ref = i.external_id
WHERE i.system = 'stripe' AND i.object_type = 'invoice'
  AND i.finalized_at <= %(now)s
  AND (i.voided_at IS NULL OR i.voided_at > %(now)s)
