-- Open invoices of the duplicate customers, per system and currency.
SELECT 'duplicate_customers_amount',
       jsonb_build_object('system', d.system, 'currency', m.currency),
       sum(m.amount_minor)::float8, 'minor'
FROM duplicate_customer d
JOIN customer_open m ON m.system = d.system AND m.customer_id = d.customer_id
GROUP BY d.system, m.currency
