-- The latest confirmed identity-map entry of each customer: it overrides the customer's own
-- account reference.
CREATE TEMP TABLE identity_link ON COMMIT DROP AS
SELECT DISTINCT ON (system, customer_id) system, customer_id, crm_account_id
FROM account_link
WHERE decision = 'confirmed'
ORDER BY system, customer_id, decided_at DESC;
ANALYZE identity_link;
