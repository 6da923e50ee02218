-- A confirmed pair links both sides: none of the account's or the customer's other
-- suggestions in that system still applies.
DELETE FROM match_suggestion
WHERE system = %(system)s AND (crm_account_id = %(account)s OR customer_id = %(customer)s)
