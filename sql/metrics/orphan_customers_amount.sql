-- Open invoices of the orphan customers, per system and currency.
SELECT 'orphan_customers_amount', jsonb_build_object('system', o.system, 'currency', m.currency),
       sum(m.amount_minor)::float8, 'minor'
FROM orphan_customer o
JOIN customer_open m ON m.system = o.system AND m.customer_id = o.customer_id
GROUP BY o.system, m.currency
