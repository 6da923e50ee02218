-- CRM accounts that exist and are not deleted at the evaluation instant.
CREATE TEMP TABLE live_account ON COMMIT DROP AS
SELECT external_id, name, domain, created_at, amount_minor, currency
FROM flow_record
WHERE system = 'salesforce' AND object_type = 'account'
  AND NOT is_deleted AND created_at <= %(now)s;
