-- The consent ledger: append-only, one row per accepted change of one subject and purpose.
create table consent_record (
    change_id       uuid primary key,
    subject_id      varchar(128) not null,
    purpose         varchar(64)  not null,
    kind            varchar(32)  not null,
    decision        varchar(16),
    version         bigint       not null,
    occurred_at     timestamptz  not null,
    recorded_at     timestamptz  not null,
    source          varchar(64)  not null,
    policy_version  varchar(64),
    request_id      uuid,
    constraint consent_record_version_unique unique (subject_id, purpose, version)
);
create index consent_record_subject on consent_record (subject_id, recorded_at);

-- The ledger must stay append-only, whatever the application does.
create function consent_record_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'consent_record is append-only';
end $$;
create trigger consent_record_no_update before update or delete on consent_record
    for each row execute function consent_record_append_only();

-- Current decision per subject and purpose, with the version that orders changes.
create table consent_state (
    subject_id  varchar(128) not null,
    purpose     varchar(64)  not null,
    decision    varchar(16),
    version     bigint       not null,
    change_id   uuid         not null,
    updated_at  timestamptz  not null,
    primary key (subject_id, purpose)
);

-- Idempotency-Key of a change: the same key answers the same change.
create table idempotency_key (
    idempotency_key varchar(128) primary key,
    request_hash    varchar(64)  not null,
    change_id       uuid         not null,
    created_at      timestamptz  not null
);

-- One row per directive issued: the propagation tracked to a confirmed end.
create table propagation (
    directive_id  uuid primary key,
    change_id     uuid         not null,
    subject_id    varchar(128) not null,
    processor     varchar(64)  not null,
    action        varchar(16)  not null,
    status        varchar(32)  not null,
    deadline      timestamptz  not null,
    created_at    timestamptz  not null,
    updated_at    timestamptz  not null,
    attempts      integer      not null default 0,
    detail        varchar(512)
);
create index propagation_change on propagation (change_id);
create index propagation_open on propagation (status, deadline);

-- Transactional outbox: written in the same transaction as the ledger, relayed to Kafka in id order.
-- payload is the Avro single-object encoding, encrypted (directives carry identifiers).
create table outbox_event (
    id           bigserial primary key,
    topic        varchar(249) not null,
    message_key  varchar(128) not null,
    event_type   varchar(64)  not null,
    event_id     uuid         not null,
    payload      bytea        not null,
    created_at   timestamptz  not null default now()
);

-- Wake the relay as soon as a change commits, so it need not poll in a tight loop.
create function outbox_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('outbox_event', '');
    return null;
end $$;
create trigger outbox_event_notify after insert on outbox_event
    for each statement execute function outbox_notify();

-- Identifiers processors need, encrypted at rest (AES-GCM), per subject and type.
create table subject_identifier (
    subject_id  varchar(128) not null,
    type        varchar(64)  not null,
    ciphertext  bytea        not null,
    updated_at  timestamptz  not null,
    primary key (subject_id, type)
);
