-- One system's claimable customers with a name to compare, in a stable order.
SELECT customer_id, norm FROM match_customer
WHERE system = %(system)s AND norm <> ''
ORDER BY customer_id
