-- A full compute reads every record: the flows' scripts read flow_record, which an
-- incremental compute fills with its scope's records instead (changed_scope.sql).
CREATE TEMP VIEW flow_record AS SELECT * FROM source_record;
