-- What the account flows and the customer counts read, each computed once per compute.
-- Per system and CRM account: when its earliest customer was created, how many customers
-- name it, and (when only one does) which one.
CREATE TEMP TABLE customer_account ON COMMIT DROP AS
SELECT system, account_id, min(created_at) AS first_created, count(*) AS customers,
       min(customer_id) AS only_customer
FROM customer_link
WHERE account_id IS NOT NULL
GROUP BY system, account_id;
ANALYZE customer_account;
-- Accounts that several customers of one system name, with those customers in creation order.
CREATE TEMP TABLE shared_account ON COMMIT DROP AS
SELECT c.system, c.account_id, array_agg(c.customer_id ORDER BY c.created_at, c.customer_id) AS ids
FROM customer_link c
JOIN customer_account d
  ON d.system = c.system AND d.account_id = c.account_id AND d.customers > 1
GROUP BY c.system, c.account_id;
ANALYZE shared_account;
-- Customers that share their account with another customer of the same system.
CREATE TEMP TABLE duplicate_customer ON COMMIT DROP AS
SELECT c.system, c.customer_id, c.created_at, c.account_id, s.ids AS sharing
FROM customer_link c
JOIN shared_account s ON s.system = c.system AND s.account_id = c.account_id;
-- Customers whose link names no live CRM account (or nothing at all).
CREATE TEMP TABLE orphan_customer ON COMMIT DROP AS
SELECT c.system, c.customer_id, c.created_at, c.account_id
FROM customer_link c
LEFT JOIN live_account a ON a.external_id = c.account_id
WHERE a.external_id IS NULL;
