-- Posted invoices whose earliest ERP invoice has another currency, or a total that differs
-- from billing by more than the currency's tolerance (%(tolerance)s: minor units per currency,
-- 'default' for the currencies with two decimals). The difference is billing minus ERP; where
-- none can be taken (another currency, a missing total) the whole billing total is at stake.
CREATE TEMP TABLE invoice_mismatch ON COMMIT DROP AS
SELECT i.external_id, i.amount_minor, i.currency, e.external_id AS erp_id,
       e.amount_minor AS erp_amount_minor, e.currency AS erp_currency, e.created_at AS erp_created,
       CASE WHEN e.currency = i.currency AND e.amount_minor IS NOT NULL
            THEN i.amount_minor - e.amount_minor
            ELSE i.amount_minor
       END AS difference_minor
FROM flow_record i
JOIN erp_invoice e ON e.link_ref = i.external_id
WHERE 'invoice_billing_to_erp' = ANY (%(flows)s::text[])
  AND i.system = 'stripe' AND i.object_type = 'invoice'
  AND i.finalized_at <= %(now)s
  AND (i.voided_at IS NULL OR i.voided_at > %(now)s)
  AND (e.currency IS DISTINCT FROM i.currency
       OR (e.amount_minor IS NULL) <> (i.amount_minor IS NULL)
       OR abs(i.amount_minor - e.amount_minor) > COALESCE(
              (%(tolerance)s::jsonb ->> i.currency)::bigint,
              (%(tolerance)s::jsonb ->> 'default')::bigint));
