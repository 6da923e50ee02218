-- The latest confirmed identity-map entry of each customer: it overrides the customer's own
-- account reference.
CREATE TEMP TABLE identity_link ON COMMIT DROP AS
SELECT DISTINCT ON (system, customer_id) system, customer_id, crm_account_id
FROM account_link
WHERE decision = 'confirmed'
ORDER BY system, customer_id, decided_at DESC;
-- The customer checks look up the customers an identity map entry gives to an account.
CREATE INDEX ON identity_link (NULLIF(crm_account_id, ''));
ANALYZE identity_link;
