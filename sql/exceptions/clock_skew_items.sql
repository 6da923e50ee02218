-- Items whose target is stamped before their source.
SELECT 'clock_skew_items', jsonb_build_object('flow', flow), source_system, source_object,
       external_id, amount_minor, currency, target_time,
       jsonb_build_object('target_system', target_system, 'target_ids', to_jsonb(target_ids),
                          'source_time', source_time, 'target_time', target_time)
FROM flow_item
WHERE skew
