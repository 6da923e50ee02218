-- CRM accounts that exist and are not deleted at the evaluation instant. A view, so each
-- reader takes what it needs from the account index (migration 0011) in id order.
CREATE TEMP VIEW live_account AS
SELECT external_id, name, domain, created_at, amount_minor, currency
FROM flow_record
WHERE system = 'salesforce' AND object_type = 'account'
  AND NOT is_deleted AND created_at <= %(now)s;
