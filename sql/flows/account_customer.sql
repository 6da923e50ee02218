-- What the account flows and the customer counts read, in one ordered pass over the live
-- accounts and the customer links: per CRM account id that either side names, the live
-- account's own fields (created_at is NULL when no live account has the id) and, per system,
-- how many customers name it, when the earliest of them was created and the least id (the
-- only one when just one customer names it). Both sides come in account order from their
-- indexes and are grouped as they stream; PostgreSQL cannot tell how many accounts the union
-- names, so it would otherwise hash them all.
SET LOCAL enable_hashagg = off;
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
    (SELECT external_id AS account_id, created_at, amount_minor, currency,
            NULL::text AS netsuite_id, NULL::timestamptz AS netsuite_created,
            NULL::text AS stripe_id, NULL::timestamptz AS stripe_created
     FROM live_account
     ORDER BY external_id)
    UNION ALL
    (SELECT account_id, NULL, NULL, NULL, customer_id, created_at, NULL, NULL
     FROM customer_link
     WHERE system = 'netsuite' AND account_id IS NOT NULL
     ORDER BY account_id)
    UNION ALL
    (SELECT account_id, NULL, NULL, NULL, NULL, NULL, customer_id, created_at
     FROM customer_link
     WHERE system = 'stripe' AND account_id IS NOT NULL
     ORDER BY account_id)
) AS named
GROUP BY account_id;
RESET enable_hashagg;
-- The accounts the customer checks look at: shared by several customers of a system, or
-- named by customers but not live.
CREATE TEMP TABLE flagged_account ON COMMIT DROP AS
SELECT account_id, created_at IS NOT NULL AS live, netsuite_customers, stripe_customers
FROM account_customer
WHERE created_at IS NULL OR netsuite_customers > 1 OR stripe_customers > 1;
ANALYZE flagged_account;
-- Their customers, read account by account off the customer index (OFFSET 0 keeps the
-- subquery per account), and the customers that name no account.
CREATE TEMP TABLE flagged_customer ON COMMIT DROP AS
SELECT c.system, c.customer_id, c.created_at, c.account_id, a.live,
       CASE c.system WHEN 'netsuite' THEN a.netsuite_customers
                     ELSE a.stripe_customers END AS customers
FROM flagged_account a
CROSS JOIN LATERAL (
    SELECT * FROM customer_link l WHERE l.account_id = a.account_id OFFSET 0
) AS c
UNION ALL
SELECT system, customer_id, created_at, account_id, false, 0
FROM customer_link
WHERE account_id IS NULL;
-- Customers that share their account with another customer of the same system, each with
-- all of that account's customers in the system, in creation order.
CREATE TEMP TABLE duplicate_customer ON COMMIT DROP AS
SELECT system, customer_id, created_at, account_id,
       array_agg(customer_id) OVER (
           PARTITION BY system, account_id ORDER BY created_at, customer_id
           ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS sharing
FROM flagged_customer
WHERE customers > 1;
-- The accounts those customers share, with their customers (the account flows' target ids).
CREATE TEMP TABLE shared_account ON COMMIT DROP AS
SELECT DISTINCT system, account_id, sharing AS ids
FROM duplicate_customer;
-- Customers whose link names no live CRM account (or nothing at all).
CREATE TEMP TABLE orphan_customer ON COMMIT DROP AS
SELECT system, customer_id, created_at, account_id
FROM flagged_customer
WHERE NOT live;
