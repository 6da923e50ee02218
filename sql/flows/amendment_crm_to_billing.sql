-- Approved amendment quotes must be applied to a billing subscription. The earliest
-- subscription change naming the quote reflects it; a subscription whose metadata names it
-- (seen in a backfill after the change event aged out) also counts, with an unknown time.
SELECT q.external_id, q.approved_at AS source_time, t.target_time,
       t.target_time IS NOT NULL OR s.subscription_id IS NOT NULL AS matched,
       q.amount_minor, q.currency,
       array_remove(t.target_ids || s.subscription_id, NULL) AS target_ids
FROM source_record q
LEFT JOIN LATERAL (
    SELECT min(c.created_at) AS target_time,
           array_agg(c.external_id ORDER BY c.created_at, c.external_id) AS target_ids
    FROM source_record c
    WHERE c.system = 'stripe' AND c.object_type = 'subscription_change'
      AND c.link_ref = q.external_id AND c.created_at <= %(now)s
) t ON true
LEFT JOIN LATERAL (
    SELECT min(s.external_id) AS subscription_id
    FROM source_record s
    WHERE s.system = 'stripe' AND s.object_type = 'subscription'
      AND s.link_ref = q.external_id AND s.created_at <= %(now)s
) s ON true
WHERE q.system = 'salesforce' AND q.object_type = 'amendment'
  AND NOT q.is_deleted
  AND q.status = %(approved_value)s
  AND q.approved_at <= %(now)s
