-- Records with a time after this instant. The next compute reads them again if its instant
-- passes one of those times (changed_scope.sql). A full compute finds them all; an
-- incremental one needs to look only at the last compute's future and the changed records.
CREATE TEMP TABLE future_record ON COMMIT DROP AS
SELECT system, object_type, external_id
FROM source_record
WHERE %(full)s
  AND greatest(created_at, approved_at, finalized_at, paid_at, voided_at) > %(now)s
UNION ALL
SELECT r.system, r.object_type, r.external_id
FROM (
    SELECT system, object_type, external_id FROM compute_future_record
    UNION
    SELECT system, object_type, external_id FROM changed_record
) AS k
JOIN source_record r USING (system, object_type, external_id)
WHERE NOT %(full)s
  AND greatest(r.created_at, r.approved_at, r.finalized_at, r.paid_at, r.voided_at) > %(now)s;
