-- Every live CRM account must have a billing customer; the earliest one reflects it.
SELECT a.external_id, a.created_at AS source_time, t.target_time,
       t.target_time IS NOT NULL AS matched, a.amount_minor, a.currency, t.target_ids
FROM live_account a
LEFT JOIN (
    SELECT account_id, min(created_at) AS target_time,
           array_agg(customer_id ORDER BY created_at, customer_id) AS target_ids
    FROM customer_link
    WHERE system = 'stripe' AND account_id IS NOT NULL
    GROUP BY account_id
) t ON t.account_id = a.external_id
