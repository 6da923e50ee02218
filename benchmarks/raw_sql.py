"""Plain SQL doing the metrics' joins and aggregates directly: the benchmarks' baseline.

No working tables, no exception items, no history: one query per question, as an analyst would
write it by hand against the same store. Parameter: %(now)s.
"""

from __future__ import annotations

_ACCOUNT_SETS = """
WITH a AS (
    SELECT external_id, created_at FROM source_record
    WHERE system = 'salesforce' AND object_type = 'account' AND NOT is_deleted
      AND created_at <= %(now)s
), c AS (
    SELECT system, external_id, account_ref, created_at FROM source_record
    WHERE system IN ('netsuite', 'stripe') AND object_type = 'customer' AND NOT is_deleted
      AND created_at <= %(now)s
), per_account AS (
    SELECT a.external_id, a.created_at,
           bool_or(c.system = 'netsuite') AS in_erp, bool_or(c.system = 'stripe') AS in_billing
    FROM a LEFT JOIN c ON c.account_ref = a.external_id
    GROUP BY a.external_id, a.created_at
), per_customer AS (
    SELECT c.system, c.external_id, c.account_ref, a.external_id IS NULL AS orphan,
           count(*) OVER (PARTITION BY c.system, c.account_ref) AS sharing
    FROM c LEFT JOIN a ON a.external_id = c.account_ref
)
"""

_ACCOUNT_COUNTS = """
    (SELECT count(*) FROM per_account
      WHERE in_erp IS NOT TRUE AND created_at < %(now)s - interval '24 hours'),
    (SELECT count(*) FROM per_account
      WHERE in_billing IS NOT TRUE AND created_at < %(now)s - interval '24 hours'),
    (SELECT count(*) FILTER (WHERE orphan) FROM per_customer WHERE system = 'netsuite'),
    (SELECT count(*) FILTER (WHERE orphan) FROM per_customer WHERE system = 'stripe'),
    (SELECT count(*) FILTER (WHERE account_ref <> '' AND sharing > 1)
       FROM per_customer WHERE system = 'netsuite'),
    (SELECT count(*) FILTER (WHERE account_ref <> '' AND sharing > 1)
       FROM per_customer WHERE system = 'stripe')
"""

_ACCOUNTS = _ACCOUNT_SETS + "SELECT" + _ACCOUNT_COUNTS

# The same, with the open invoices of the orphan and duplicate customers per system and currency.
_ACCOUNTS_AND_MONEY = (
    _ACCOUNT_SETS
    + """, open_money AS (
    SELECT p.system, p.orphan, p.account_ref <> '' AND p.sharing > 1 AS duplicate, i.currency,
           sum(i.amount_minor) AS amount
    FROM per_customer p
    JOIN source_record i
      ON i.system = p.system AND i.object_type = 'invoice' AND i.parent_ref = p.external_id
    WHERE (p.orphan OR (p.account_ref <> '' AND p.sharing > 1))
      AND NOT i.is_deleted AND i.created_at <= %(now)s
      AND (i.system = 'netsuite' OR i.finalized_at <= %(now)s)
      AND (i.paid_at IS NULL OR i.paid_at > %(now)s)
      AND (i.voided_at IS NULL OR i.voided_at > %(now)s)
    GROUP BY 1, 2, 3, 4
)
SELECT"""
    + _ACCOUNT_COUNTS
    + """,
    (SELECT jsonb_agg(open_money) FROM open_money)
"""
)

_INVOICES = """
WITH i AS (
    SELECT external_id, finalized_at, paid_at, amount_minor, currency FROM source_record
    WHERE system = 'stripe' AND object_type = 'invoice' AND finalized_at <= %(now)s
      AND (voided_at IS NULL OR voided_at > %(now)s)
), e AS (
    SELECT link_ref, min(created_at) AS created, min(paid_at) AS paid,
           (array_agg(amount_minor ORDER BY created_at, external_id))[1] AS amount
    FROM source_record
    WHERE system = 'netsuite' AND object_type = 'invoice' AND created_at <= %(now)s
    GROUP BY link_ref
), items AS (
    SELECT i.*, e.created, e.paid, e.amount AS erp_amount,
           CASE WHEN e.created IS NULL THEN extract(epoch FROM %(now)s - i.finalized_at)
                ELSE greatest(0, extract(epoch FROM e.created - i.finalized_at)) END AS lag
    FROM i LEFT JOIN e ON e.link_ref = i.external_id
), last_attempt AS (
    SELECT DISTINCT ON (s.source_id) s.source_id, s.status
    FROM sync_event s JOIN items ON items.external_id = s.source_id AND items.created IS NULL
    WHERE s.flow = 'invoice_billing_to_erp' AND s.ts <= %(now)s
    ORDER BY s.source_id, s.ts DESC
)
SELECT
    count(*) FILTER (WHERE created IS NULL),
    count(*) FILTER (WHERE created IS NULL AND lag > 3600),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY lag)
        FILTER (WHERE finalized_at > %(now)s - interval '24 hours'),
    percentile_cont(0.95) WITHIN GROUP (ORDER BY lag)
        FILTER (WHERE finalized_at > %(now)s - interval '24 hours'),
    count(*) FILTER (WHERE created IS NOT NULL AND erp_amount IS DISTINCT FROM amount_minor),
    (SELECT count(*) FROM last_attempt WHERE status IN ('failed', 'dead_letter')),
    count(*) FILTER (WHERE created IS NULL AND lag > 3600 AND NOT EXISTS (
        SELECT 1 FROM sync_event s WHERE s.flow = 'invoice_billing_to_erp'
          AND s.source_id = items.external_id AND s.ts <= %(now)s)),
    count(*) FILTER (WHERE paid_at <= %(now)s AND (paid IS NULL OR paid > %(now)s))
FROM items
"""

_AMENDMENTS = """
SELECT count(*) FILTER (WHERE c.link_ref IS NULL AND s.link_ref IS NULL
                          AND q.approved_at < %(now)s - interval '4 hours')
FROM source_record q
LEFT JOIN (SELECT DISTINCT link_ref FROM source_record
           WHERE system = 'stripe' AND object_type = 'subscription_change') c
       ON c.link_ref = q.external_id
LEFT JOIN (SELECT DISTINCT link_ref FROM source_record
           WHERE system = 'stripe' AND object_type = 'subscription') s
       ON s.link_ref = q.external_id
WHERE q.system = 'salesforce' AND q.object_type = 'amendment' AND q.status = 'Approved'
  AND q.approved_at <= %(now)s
"""

_LOGS = """
SELECT flow, count(*), avg((status IN ('failed', 'dead_letter'))::int), avg((attempt > 1)::int),
       count(*) FILTER (WHERE status = 'dead_letter')
FROM sync_event WHERE ts > %(now)s - interval '24 hours' AND ts <= %(now)s
GROUP BY flow
"""

RAW_ACCOUNTS = [_ACCOUNTS]
RAW_FULL = [_ACCOUNTS_AND_MONEY, _INVOICES, _AMENDMENTS, _LOGS]
