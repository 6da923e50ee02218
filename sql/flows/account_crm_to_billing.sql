-- Every live CRM account must have a billing customer; the earliest one reflects it.
SELECT a.account_id AS external_id, a.created_at AS source_time,
       a.stripe_first AS target_time, a.stripe_customers > 0 AS matched,
       a.amount_minor, a.currency,
       CASE WHEN a.stripe_customers = 1 THEN ARRAY[a.stripe_only] ELSE s.ids END AS target_ids
FROM account_customer a
LEFT JOIN shared_account s ON s.system = 'stripe' AND s.account_id = a.account_id
WHERE a.created_at IS NOT NULL
