-- Per system and CRM account: when its earliest customer was created and how many customers
-- name it; and an index to list those customers for the few items that show them.
CREATE TEMP TABLE customer_account ON COMMIT DROP AS
SELECT system, account_id, min(created_at) AS first_created, count(*) AS customers
FROM customer_link
WHERE account_id IS NOT NULL
GROUP BY system, account_id;
ANALYZE customer_account;
CREATE INDEX ON customer_link (system, account_id);
