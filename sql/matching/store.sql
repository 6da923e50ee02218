INSERT INTO match_pair
SELECT f.system, f.crm_account_id, f.customer_id, f.score, 'fuzzy',
       'name ' || f.percent || '% similar to ''' || c.name || ''''
FROM match_fuzzy f
JOIN match_customer c ON c.system = f.system AND c.customer_id = f.customer_id;
DELETE FROM match_suggestion WHERE system = ANY (%(systems)s::text[]);
-- Each pair once, by its strongest evidence; rejected pairs never come back; the best
-- candidates of each account, ties broken by the stronger method, then by customer id.
INSERT INTO match_suggestion
    (system, crm_account_id, customer_id, score, method, reason, computed_at)
SELECT system, crm_account_id, customer_id, score, method, reason, %(now)s
FROM (
    SELECT p.*, row_number() OVER (
               PARTITION BY p.system, p.crm_account_id
               ORDER BY p.score DESC, p.method_rank, p.customer_id
           ) AS rank
    FROM (
        SELECT DISTINCT ON (system, crm_account_id, customer_id) *,
               array_position(ARRAY['domain', 'name', 'fuzzy'], method) AS method_rank
        FROM match_pair
        ORDER BY system, crm_account_id, customer_id, score DESC,
                 array_position(ARRAY['domain', 'name', 'fuzzy'], method)
    ) p
    WHERE NOT EXISTS (
        SELECT 1 FROM account_link l
        WHERE l.system = p.system AND l.crm_account_id = p.crm_account_id
          AND l.customer_id = p.customer_id AND l.decision = 'rejected'
    )
) ranked
WHERE rank <= %(limit)s
