-- Money held by items past their SLA, per flow and currency.
SELECT 'sla_breaches_amount', jsonb_build_object('flow', flow, 'currency', currency),
       sum(amount_minor)::float8, 'minor'
FROM flow_item
WHERE NOT matched AND lag > sla_seconds AND currency IS NOT NULL
GROUP BY flow, currency
