-- Net amount of the stuck amendments, per currency.
SELECT 'stuck_amendments_amount', jsonb_build_object('currency', currency),
       sum(amount_minor)::float8, 'minor'
FROM flow_item
WHERE flow = 'amendment_crm_to_billing' AND NOT matched AND lag > sla_seconds
  AND currency IS NOT NULL
GROUP BY currency
