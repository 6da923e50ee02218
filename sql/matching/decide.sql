-- Record a decision on one pair in the identity map, replacing an earlier one.
INSERT INTO account_link (crm_account_id, system, customer_id, decision, method, score, reason,
                          decided_by, decided_at)
VALUES (%(account)s, %(system)s, %(customer)s, %(decision)s, %(method)s, %(score)s, %(reason)s,
        %(actor)s, %(at)s)
ON CONFLICT (system, customer_id, crm_account_id) DO UPDATE SET
    decision = EXCLUDED.decision, method = EXCLUDED.method, score = EXCLUDED.score,
    reason = EXCLUDED.reason, decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at
RETURNING id
