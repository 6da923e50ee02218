-- Every open item of every flow.
SELECT 'sync_backlog', jsonb_build_object('flow', flow), source_system, source_object, external_id,
       amount_minor, currency, source_time AS since,
       jsonb_build_object('target_system', target_system, 'target_ids', to_jsonb(target_ids))
FROM flow_item
WHERE NOT matched
