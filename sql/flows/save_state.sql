-- What the next compute starts from: this compute's items, attempts, mismatches, customers,
-- their open balances and future records, its instant, the snapshot it read the store under
-- (%(snapshot)s) and what its results depend on besides the store (%(inputs)s). Moved
-- references that snapshot saw have been read and are dropped.
TRUNCATE compute_flow_item, compute_invoice_posting, compute_invoice_mismatch,
         compute_orphan_customer, compute_duplicate_customer, compute_customer_open,
         compute_future_record;
INSERT INTO compute_flow_item SELECT * FROM flow_item;
INSERT INTO compute_invoice_posting (flow, external_id, last_status, last_ts, correlation_id)
SELECT flow, external_id, last_status, last_ts, correlation_id FROM invoice_posting;
INSERT INTO compute_invoice_mismatch
    (external_id, amount_minor, currency, erp_id, erp_amount_minor, erp_currency, erp_created,
     difference_minor)
SELECT external_id, amount_minor, currency, erp_id, erp_amount_minor, erp_currency, erp_created,
       difference_minor
FROM invoice_mismatch;
INSERT INTO compute_orphan_customer
SELECT system, customer_id, created_at, account_id FROM orphan_customer;
INSERT INTO compute_duplicate_customer SELECT * FROM duplicate_customer;
INSERT INTO compute_customer_open SELECT * FROM customer_open;
INSERT INTO compute_future_record SELECT * FROM future_record;
INSERT INTO compute_state (evaluated_at, snapshot, inputs)
VALUES (%(now)s, %(snapshot)s::pg_snapshot, %(inputs)s)
ON CONFLICT (singleton) DO UPDATE
SET evaluated_at = EXCLUDED.evaluated_at, snapshot = EXCLUDED.snapshot, inputs = EXCLUDED.inputs;
DELETE FROM record_change WHERE written_xid < pg_snapshot_xmin(%(snapshot)s::pg_snapshot);
