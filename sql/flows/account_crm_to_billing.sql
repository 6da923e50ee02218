-- Every live CRM account must have an billing customer; the earliest one reflects it. Target ids
-- are listed only for the items kept (see flow_item.sql).
SELECT a.external_id, a.created_at AS source_time, t.first_created AS target_time,
       t.account_id IS NOT NULL AS matched, a.amount_minor, a.currency,
       CASE WHEN t.account_id IS NOT NULL THEN ARRAY(
           SELECT c.customer_id FROM customer_link c
           WHERE c.system = 'stripe' AND c.account_id = a.external_id
           ORDER BY c.created_at, c.customer_id) END AS target_ids
FROM live_account a
LEFT JOIN customer_account t ON t.system = 'stripe' AND t.account_id = a.external_id
