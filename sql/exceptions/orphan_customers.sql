-- Customers whose link names no live CRM account (or nothing at all), with their open invoices.
SELECT 'orphan_customers', jsonb_build_object('system', o.system), o.system, 'customer',
       o.customer_id, b.amount_minor, b.currency, o.created_at,
       jsonb_build_object('account_id', o.account_id)
FROM orphan_customer o
LEFT JOIN customer_balance b ON b.system = o.system AND b.customer_id = o.customer_id
