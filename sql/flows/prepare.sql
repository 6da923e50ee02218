-- Per-compute working tables; they vanish when the compute's transaction ends.
-- Flow items have the shape of the saved ones (compute_flow_item, migration 0010).
CREATE TEMP TABLE flow_item (LIKE compute_flow_item) ON COMMIT DROP;
CREATE TEMP TABLE metric_value (
    name   text NOT NULL,
    labels jsonb NOT NULL,
    value  float8 NOT NULL,
    unit   text NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE exception_row (
    metric       text NOT NULL,
    labels       jsonb NOT NULL,
    system       text NOT NULL,
    object_type  text NOT NULL,
    external_id  text COLLATE "C" NOT NULL,
    amount_minor bigint,
    currency     text,
    since        timestamptz,
    related      jsonb NOT NULL,
    -- An exception item's identity; the age bucket moves as it ages, so it is left out.
    fingerprint  text NOT NULL GENERATED ALWAYS AS (
        md5(metric || (labels - 'age_bucket')::text || system || '/' || object_type || '/'
            || external_id)) STORED
) ON COMMIT DROP;
-- An incremental compute's changed records and scope (changed_scope.sql); a full compute
-- leaves them empty.
CREATE TEMP TABLE changed_record (
    system      text COLLATE "C" NOT NULL,
    object_type text COLLATE "C" NOT NULL,
    external_id text COLLATE "C" NOT NULL,
    account_ref text COLLATE "C",
    link_ref    text COLLATE "C",
    parent_ref  text COLLATE "C"
) ON COMMIT DROP;
CREATE TEMP TABLE scope (
    kind   text COLLATE "C" NOT NULL,
    system text COLLATE "C",
    id     text COLLATE "C" NOT NULL
) ON COMMIT DROP;
CREATE INDEX ON scope (kind, id);
