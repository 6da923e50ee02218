-- Approved amendment quotes must be applied to a billing subscription. The earliest
-- subscription change naming the quote reflects it; a subscription whose metadata names it
-- (seen in a backfill after the change event aged out) also counts, with an unknown time.
SELECT q.external_id, q.approved_at AS source_time, t.target_time,
       t.target_time IS NOT NULL OR s.subscription_id IS NOT NULL AS matched,
       q.amount_minor, q.currency,
       array_remove(COALESCE(t.target_ids, '{}') || s.subscription_id, NULL) AS target_ids
FROM flow_record q
LEFT JOIN (
    SELECT link_ref, min(created_at) AS target_time,
           array_agg(external_id ORDER BY created_at, external_id) AS target_ids
    FROM flow_record
    WHERE system = 'stripe' AND object_type = 'subscription_change'
      AND link_ref IS NOT NULL AND created_at <= %(now)s
    GROUP BY link_ref
) t ON t.link_ref = q.external_id
LEFT JOIN (
    SELECT link_ref, min(external_id) AS subscription_id
    FROM flow_record
    WHERE system = 'stripe' AND object_type = 'subscription'
      AND link_ref IS NOT NULL AND created_at <= %(now)s
    GROUP BY link_ref
) s ON s.link_ref = q.external_id
WHERE q.system = 'salesforce' AND q.object_type = 'amendment'
  AND NOT q.is_deleted
  AND q.status = %(approved_value)s
  AND q.approved_at <= %(now)s
