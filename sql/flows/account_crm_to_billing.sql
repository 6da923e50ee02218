-- Every live CRM account must have a billing customer; the earliest one reflects it.
SELECT a.external_id, a.created_at AS source_time, t.first_created AS target_time,
       t.account_id IS NOT NULL AS matched, a.amount_minor, a.currency,
       CASE WHEN t.customers = 1 THEN ARRAY[t.only_customer] ELSE s.ids END AS target_ids
FROM live_account a
LEFT JOIN customer_account t ON t.system = 'stripe' AND t.account_id = a.external_id
LEFT JOIN shared_account s ON s.system = 'stripe' AND s.account_id = a.external_id
