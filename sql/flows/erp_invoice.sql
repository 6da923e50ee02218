-- The earliest ERP invoice posted for each billing invoice (ties broken by id): it reflects
-- the posting, and its total and currency are the ones compared with billing.
CREATE TEMP TABLE erp_invoice ON COMMIT DROP AS
SELECT DISTINCT ON (link_ref) link_ref, external_id, created_at, amount_minor, currency
FROM flow_record
WHERE system = 'netsuite' AND object_type = 'invoice'
  AND link_ref IS NOT NULL AND created_at <= %(now)s AND NOT is_deleted
ORDER BY link_ref, created_at, external_id;
ANALYZE erp_invoice;
