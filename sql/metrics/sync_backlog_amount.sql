-- Money held by open items, per flow and currency (ARR for accounts).
SELECT 'sync_backlog_amount', jsonb_build_object('flow', flow, 'currency', currency),
       sum(amount_minor)::float8, 'minor'
FROM flow_item
WHERE NOT matched AND currency IS NOT NULL
GROUP BY flow, currency
