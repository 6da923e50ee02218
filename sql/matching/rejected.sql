-- The pairs RevOps rejected in one system: never suggested again.
SELECT crm_account_id, customer_id FROM account_link
WHERE system = %(system)s AND decision = 'rejected'
