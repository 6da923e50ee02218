-- Customers that share their account link with another customer of the same system, with their
-- open invoices.
SELECT 'duplicate_customers', jsonb_build_object('system', d.system), d.system, 'customer',
       d.customer_id, b.amount_minor, b.currency, d.created_at,
       jsonb_build_object('account_id', d.account_id, 'sharing', to_jsonb(d.sharing))
FROM duplicate_customer d
LEFT JOIN customer_balance b ON b.system = d.system AND b.customer_id = d.customer_id
