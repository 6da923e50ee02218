-- The money on the flagged customers (orphans and duplicates): their open invoices in their own
-- system, per currency. An invoice is open at now when it exists, is finalized (Stripe; a
-- NetSuite invoice is posted final) and is neither paid nor voided by then. A full compute
-- reads every flagged customer's invoices off the store's customer index; an incremental one
-- reads those of the customers it derived again or whose invoices were written, moved or
-- crossed one of their times since the last compute, and takes the others' balances as the
-- last compute left them.
CREATE TEMP TABLE customer_open ON COMMIT DROP AS
WITH flagged AS (
    SELECT f.system, f.customer_id,
           bool_or(%(full)s
                   OR EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'customer'
                                                      AND s.system = f.system
                                                      AND s.id = f.customer_id)
                   OR EXISTS (SELECT 1 FROM scope s WHERE s.kind = 'account'
                                                      AND s.id = f.account_id)
                   OR EXISTS (SELECT 1 FROM changed_record c
                              WHERE c.system = f.system AND c.object_type = 'invoice'
                                AND c.parent_ref = f.customer_id)) AS read
    FROM (SELECT system, customer_id, account_id FROM orphan_customer
          UNION ALL
          SELECT system, customer_id, account_id FROM duplicate_customer) AS f
    GROUP BY f.system, f.customer_id
)
SELECT f.system, f.customer_id, i.currency, i.amount_minor
FROM flagged f
CROSS JOIN LATERAL (
    SELECT r.currency, sum(r.amount_minor)::bigint AS amount_minor
    FROM source_record r
    WHERE r.system = f.system AND r.object_type = 'invoice' AND r.parent_ref = f.customer_id
      AND NOT r.is_deleted AND r.created_at <= %(now)s
      AND (r.system = 'netsuite' OR r.finalized_at <= %(now)s)
      AND (r.paid_at IS NULL OR r.paid_at > %(now)s)
      AND (r.voided_at IS NULL OR r.voided_at > %(now)s)
      AND r.currency IS NOT NULL AND r.amount_minor IS NOT NULL
    GROUP BY r.currency
) AS i
WHERE f.read
UNION ALL
SELECT m.system, m.customer_id, m.currency, m.amount_minor
FROM flagged f
JOIN compute_customer_open m ON m.system = f.system AND m.customer_id = f.customer_id
WHERE NOT f.read;
-- Each flagged customer's balance as its exception item shows it: its largest balance in minor
-- units (then the first currency by code) when it owes in several currencies.
CREATE TEMP TABLE customer_balance ON COMMIT DROP AS
SELECT DISTINCT ON (system, customer_id) system, customer_id, currency, amount_minor
FROM customer_open
ORDER BY system, customer_id, amount_minor DESC, currency;
