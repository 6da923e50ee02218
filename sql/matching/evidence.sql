-- The stored suggestion of one pair, if any: its score, method and reason.
SELECT score, method, reason FROM match_suggestion
WHERE system = %(system)s AND crm_account_id = %(account)s AND customer_id = %(customer)s
