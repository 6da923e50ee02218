-- The stored suggestions, best first (then the account's ARR, largest first), with the names
-- and ARR the dashboard shows.
SELECT s.system, s.crm_account_id, a.name, a.amount_minor, a.currency::text,
       s.customer_id, c.name, s.score, s.method, s.reason, s.computed_at
FROM match_suggestion s
LEFT JOIN source_record a
       ON a.system = 'salesforce' AND a.object_type = 'account'
      AND a.external_id = s.crm_account_id
LEFT JOIN source_record c
       ON c.system = s.system AND c.object_type = 'customer'
      AND c.external_id = s.customer_id
WHERE (%(system)s::text IS NULL OR s.system = %(system)s)
  AND (%(account)s::text IS NULL OR s.crm_account_id = %(account)s)
ORDER BY s.score DESC, a.amount_minor DESC NULLS LAST, s.system, s.crm_account_id,
         s.customer_id
LIMIT %(limit)s
