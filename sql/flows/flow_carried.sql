-- An incremental compute's items of one flow outside its scope: as the last compute found
-- them (flow_item.sql ages them to this instant).
SELECT f.external_id, f.source_time, f.target_time, f.matched, f.amount_minor, f.currency,
       f.target_ids
FROM compute_flow_item f
WHERE f.flow = %(flow)s
  AND NOT EXISTS (SELECT 1 FROM scope s WHERE s.kind = f.source_object AND s.id = f.external_id)
