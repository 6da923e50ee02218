-- A rejected pair is never suggested again.
DELETE FROM match_suggestion
WHERE system = %(system)s AND crm_account_id = %(account)s AND customer_id = %(customer)s
