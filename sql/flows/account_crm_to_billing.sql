-- Every live CRM account must have a billing customer; the earliest one reflects it.
SELECT a.external_id, a.created_at AS source_time, t.target_time, t.matched,
       a.amount_minor, a.currency, t.target_ids
FROM live_account a
LEFT JOIN LATERAL (
    SELECT min(l.created_at) AS target_time, count(*) > 0 AS matched,
           array_agg(l.customer_id ORDER BY l.created_at, l.customer_id) AS target_ids
    FROM customer_link l
    WHERE l.system = 'stripe' AND l.account_id = a.external_id
) t ON true
