-- What the account flows and the customer counts read, in one pass over the live accounts
-- and the customer links: per CRM account id that either side names, the live account's own
-- fields (created_at is NULL when no live account has the id) and, per system, how many
-- customers name it, when the earliest of them was created and the least id (the only one
-- when just one customer names it).
CREATE TEMP TABLE account_customer ON COMMIT DROP AS
SELECT account_id,
       min(created_at) AS created_at,
       min(amount_minor) AS amount_minor,
       min(currency) AS currency,
       count(netsuite_id) AS netsuite_customers,
       min(netsuite_created) AS netsuite_first,
       min(netsuite_id) AS netsuite_only,
       count(stripe_id) AS stripe_customers,
       min(stripe_created) AS stripe_first,
       min(stripe_id) AS stripe_only
FROM (
    SELECT external_id AS account_id, created_at, amount_minor, currency,
           NULL::text AS netsuite_id, NULL::timestamptz AS netsuite_created,
           NULL::text AS stripe_id, NULL::timestamptz AS stripe_created
    FROM live_account
    UNION ALL
    SELECT account_id, NULL, NULL, NULL,
           CASE WHEN system = 'netsuite' THEN customer_id END,
           CASE WHEN system = 'netsuite' THEN created_at END,
           CASE WHEN system = 'stripe' THEN customer_id END,
           CASE WHEN system = 'stripe' THEN created_at END
    FROM customer_link
    WHERE account_id IS NOT NULL
) AS named
GROUP BY account_id;
ANALYZE account_customer;
-- Customers that share their account with another customer of the same system, each with
-- all of that account's customers in the system, in creation order.
CREATE TEMP TABLE duplicate_customer ON COMMIT DROP AS
SELECT c.system, c.customer_id, c.created_at, c.account_id,
       array_agg(c.customer_id) OVER (
           PARTITION BY c.system, c.account_id ORDER BY c.created_at, c.customer_id
           ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS sharing
FROM customer_link c
JOIN (
    SELECT account_id, netsuite_customers, stripe_customers
    FROM account_customer
    WHERE netsuite_customers > 1 OR stripe_customers > 1
) AS a ON a.account_id = c.account_id
WHERE CASE c.system WHEN 'netsuite' THEN a.netsuite_customers
                    WHEN 'stripe' THEN a.stripe_customers END > 1;
-- The accounts those customers share, with their customers (the account flows' target ids).
CREATE TEMP TABLE shared_account ON COMMIT DROP AS
SELECT DISTINCT system, account_id, sharing AS ids
FROM duplicate_customer;
-- Customers whose link names no live CRM account (or nothing at all).
CREATE TEMP TABLE orphan_customer ON COMMIT DROP AS
SELECT c.system, c.customer_id, c.created_at, c.account_id
FROM customer_link c
WHERE c.account_id IS NULL
   OR c.account_id IN (SELECT account_id FROM account_customer WHERE created_at IS NULL);
