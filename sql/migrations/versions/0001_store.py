"""The canonical store: collected records, log events, runs, metrics, exceptions, alerts, users.

Revision ID: 0001_store
Revises:
Create Date: 2026-11-23
"""

from alembic import op

revision = "0001_store"
down_revision = None
branch_labels = None
depends_on = None

# Identifiers from source systems compare byte-wise (COLLATE "C"): Salesforce ids differ by case.
UPGRADE = """
CREATE TABLE source_record (
    system             text COLLATE "C" NOT NULL,
    object_type        text COLLATE "C" NOT NULL,
    external_id        text COLLATE "C" NOT NULL,
    account_ref        text COLLATE "C",
    link_ref           text COLLATE "C",
    parent_ref         text COLLATE "C",
    name               text,
    domain             text,
    status             text,
    amount_minor       bigint,
    currency           char(3),
    created_at         timestamptz,
    updated_at         timestamptz,
    approved_at        timestamptz,
    finalized_at       timestamptz,
    paid_at            timestamptz,
    voided_at          timestamptz,
    is_deleted         boolean NOT NULL DEFAULT false,
    payload            jsonb NOT NULL,
    first_collected_at timestamptz NOT NULL DEFAULT now(),
    last_changed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (system, object_type, external_id)
);
COMMENT ON COLUMN source_record.account_ref
    IS 'CRM account id this record names through its link rule';
COMMENT ON COLUMN source_record.link_ref
    IS 'cross-system key other than the account (invoice id, amendment id)';
COMMENT ON COLUMN source_record.parent_ref
    IS 'owning record in the same system (customer, subscription)';
CREATE INDEX source_record_account_ref ON source_record (system, object_type, account_ref)
    WHERE account_ref IS NOT NULL;
CREATE INDEX source_record_link_ref ON source_record (system, object_type, link_ref)
    WHERE link_ref IS NOT NULL;
CREATE INDEX source_record_parent_ref ON source_record (system, object_type, parent_ref)
    WHERE parent_ref IS NOT NULL;
CREATE INDEX source_record_updated ON source_record (system, object_type, updated_at);

CREATE TABLE sync_event (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts             timestamptz NOT NULL,
    flow           text NOT NULL,
    correlation_id text COLLATE "C",
    source_system  text,
    source_id      text COLLATE "C",
    target_system  text,
    target_id      text COLLATE "C",
    status         text NOT NULL
        CHECK (status IN ('success', 'failed', 'retrying', 'dead_letter')),
    attempt        integer,
    error_code     text,
    error_message  text,
    duration_ms    integer,
    origin         text,
    raw            jsonb NOT NULL,
    event_key      bytea NOT NULL,
    collected_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN sync_event.event_key IS 'sha256 of the raw line: an exact replay is stored once';
CREATE UNIQUE INDEX sync_event_key ON sync_event (event_key);
CREATE INDEX sync_event_flow_ts ON sync_event (flow, ts);
CREATE INDEX sync_event_flow_source ON sync_event (flow, source_id, ts DESC);
CREATE INDEX sync_event_correlation ON sync_event (correlation_id);
CREATE INDEX sync_event_ts ON sync_event USING brin (ts);

CREATE TABLE collector_run (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       text NOT NULL,
    stream       text,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    status       text NOT NULL CHECK (status IN ('running', 'success', 'partial', 'failed')),
    pages        integer NOT NULL DEFAULT 0,
    records      integer NOT NULL DEFAULT 0,
    changed      integer NOT NULL DEFAULT 0,
    api_calls    integer NOT NULL DEFAULT 0,
    retries      integer NOT NULL DEFAULT 0,
    rate_limited integer NOT NULL DEFAULT 0,
    quarantined  integer NOT NULL DEFAULT 0,
    error        text
);
CREATE INDEX collector_run_source ON collector_run (source, started_at DESC);

CREATE TABLE watermark (
    source     text NOT NULL,
    stream     text NOT NULL,
    position   jsonb NOT NULL,
    run_id     bigint REFERENCES collector_run (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, stream)
);

CREATE TABLE source_health (
    source          text PRIMARY KEY,
    healthy         boolean NOT NULL,
    reason          text,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_success_at timestamptz,
    api_usage       jsonb
);

CREATE TABLE quarantine (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         text NOT NULL,
    object_type    text NOT NULL,
    external_id    text COLLATE "C",
    reason         text NOT NULL,
    payload        text NOT NULL,
    location       text,
    payload_key    bytea NOT NULL,
    run_id         bigint REFERENCES collector_run (id) ON DELETE SET NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    times_seen     integer NOT NULL DEFAULT 1,
    UNIQUE (source, object_type, payload_key)
);

CREATE TABLE account_link (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    crm_account_id text COLLATE "C" NOT NULL,
    system         text NOT NULL,
    customer_id    text COLLATE "C" NOT NULL,
    decision       text NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    method         text,
    score          double precision,
    reason         text,
    decided_by     text NOT NULL,
    decided_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (system, customer_id, crm_account_id)
);
CREATE INDEX account_link_account ON account_link (crm_account_id, system);

CREATE TABLE metric_series (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name   text NOT NULL,
    labels jsonb NOT NULL DEFAULT '{}',
    unit   text NOT NULL,
    UNIQUE (name, labels)
);
CREATE TABLE metric_point (
    series_id bigint NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
    ts        timestamptz NOT NULL,
    value     double precision NOT NULL,
    PRIMARY KEY (series_id, ts)
);
CREATE INDEX metric_point_ts ON metric_point USING brin (ts);
CREATE TABLE metric_rollup (
    series_id  bigint NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
    resolution text NOT NULL CHECK (resolution IN ('5m', '1h', '1d')),
    bucket     timestamptz NOT NULL,
    min        double precision NOT NULL,
    max        double precision NOT NULL,
    sum        double precision NOT NULL,
    count      integer NOT NULL,
    last       double precision NOT NULL,
    PRIMARY KEY (series_id, resolution, bucket)
);

CREATE TABLE exception_item (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fingerprint  text NOT NULL UNIQUE,
    metric       text NOT NULL,
    labels       jsonb NOT NULL DEFAULT '{}',
    system       text NOT NULL,
    object_type  text NOT NULL,
    external_id  text COLLATE "C" NOT NULL,
    related      jsonb NOT NULL DEFAULT '{}',
    amount_minor bigint,
    currency     char(3),
    owner        text,
    status       text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'acknowledged', 'resolved')),
    assignee     text,
    note         text,
    since        timestamptz,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    resolved_at  timestamptz,
    details      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX exception_item_open ON exception_item (metric, amount_minor DESC)
    WHERE resolved_at IS NULL;
CREATE INDEX exception_item_record ON exception_item (system, object_type, external_id);

CREATE TABLE alert (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fingerprint       text NOT NULL UNIQUE,
    rule              text NOT NULL,
    labels            jsonb NOT NULL DEFAULT '{}',
    state             text NOT NULL
        CHECK (state IN ('inactive', 'pending', 'firing', 'resolved', 'stale')),
    severity          text NOT NULL,
    value             double precision,
    active_since      timestamptz,
    firing_since      timestamptz,
    resolved_at       timestamptz,
    last_evaluated_at timestamptz,
    last_notified_at  timestamptz,
    acknowledged_by   text,
    acknowledged_at   timestamptz
);
CREATE TABLE alert_event (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id   bigint NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
    ts         timestamptz NOT NULL,
    from_state text,
    to_state   text NOT NULL,
    value      double precision,
    note       text
);
CREATE INDEX alert_event_alert ON alert_event (alert_id, ts);
CREATE TABLE silence (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    matchers   jsonb NOT NULL,
    created_by text NOT NULL,
    reason     text NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    expired_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE TABLE notification_outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key  text NOT NULL UNIQUE,
    kind             text NOT NULL,
    channel          text NOT NULL,
    payload          jsonb NOT NULL,
    parent_id        bigint REFERENCES notification_outbox (id),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    slack_channel_id text,
    slack_ts         text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at, id)
    WHERE status = 'pending';

CREATE TABLE kpi_report (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    week         text NOT NULL UNIQUE,
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL,
    generated_at timestamptz NOT NULL,
    content      jsonb NOT NULL
);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    target_type text,
    target_id   text,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_ts ON audit_log (ts DESC);

CREATE TABLE app_user (
    name           text PRIMARY KEY,
    password_hash  text,
    roles          text[] NOT NULL,
    disabled       boolean NOT NULL DEFAULT false,
    failed_logins  integer NOT NULL DEFAULT 0,
    last_failed_at timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
"""

TABLES = [
    "app_user",
    "audit_log",
    "kpi_report",
    "notification_outbox",
    "silence",
    "alert_event",
    "alert",
    "exception_item",
    "metric_rollup",
    "metric_point",
    "metric_series",
    "account_link",
    "quarantine",
    "source_health",
    "watermark",
    "collector_run",
    "sync_event",
    "source_record",
]


def upgrade() -> None:
    """Create the store."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Drop the store."""
    op.execute("DROP TABLE " + ", ".join(TABLES))
