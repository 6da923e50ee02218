-- The identity map's earlier decision on one pair, if any (kept in the audit trail).
SELECT decision, decided_by, decided_at FROM account_link
WHERE system = %(system)s AND crm_account_id = %(account)s AND customer_id = %(customer)s
