-- One system's unlinked accounts with a name to compare, in a stable order.
SELECT account_id, norm FROM match_account
WHERE system = %(system)s AND norm <> ''
ORDER BY account_id
