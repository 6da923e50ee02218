-- Whether the store holds the record a decision names.
SELECT 1 FROM source_record
WHERE system = %(system)s AND object_type = %(object_type)s AND external_id = %(external_id)s
