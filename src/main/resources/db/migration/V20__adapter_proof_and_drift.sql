-- Adapters (issue 12). Numbered 20 to keep clear of the core's own migrations.

-- Proof of effect: a handled directive's receipt is replayed whole, with how its effect was read back at the
-- processor. verification: VERIFIED | ACCEPTED_UNVERIFIED | NOT_RECORDED (null before V20); evidence: a JSON array of
-- {check, checkedAt, answer} written by the adapter's code (operation and path template, status and meaning),
-- never an identifier.
alter table adapter_directive
    add column verification      varchar(32),
    add column verification_note varchar(512),
    add column evidence          jsonb;

-- Reconciliation: per processor, subject and purpose, where what the processor holds differs from what the adapter
-- last applied (adapter_applied_version). One row per drift, kept when it ends (resolved_at) for the record.
-- Written only by the adapter's reconciliation job; the core reads it (ops API, re-issue of a directive).
create table adapter_drift (
    processor        varchar(64)  not null,
    subject_id       varchar(128) not null,
    purpose          varchar(64)  not null,
    applied_version  bigint       not null,
    applied_action   varchar(16)  not null,
    expected         varchar(128) not null,
    found            varchar(128) not null,
    detected_at      timestamptz  not null,
    last_seen_at     timestamptz  not null,
    resolved_at      timestamptz,
    primary key (processor, subject_id, purpose)
);
create index adapter_drift_open on adapter_drift (processor, detected_at) where resolved_at is null;

-- One row per reconciliation run: when, how much was compared, and how it ended.
create table adapter_reconciliation_run (
    id               bigserial    primary key,
    processor        varchar(64)  not null,
    started_at       timestamptz  not null,
    finished_at      timestamptz,
    subjects_checked integer      not null default 0,
    drifted          integer      not null default 0,
    outcome          varchar(256)
);
