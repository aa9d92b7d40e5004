-- Outbox rows that cannot be delivered as they are (unknown topic, payload that cannot be read, schema refused):
-- moved here with the reason, so every other row keeps flowing. A subject with a parked row is held back (its later
-- rows wait in outbox_event) until ops retry it; the row goes back under its own id, so it is sent first.
create table outbox_parked (
    id           bigint       primary key,
    topic        varchar(249) not null,
    message_key  varchar(128) not null,
    event_type   varchar(64)  not null,
    event_id     uuid         not null,
    payload      bytea        not null,
    created_at   timestamptz  not null,
    reason       varchar(1000) not null,
    parked_at    timestamptz  not null
);
create index outbox_parked_subject on outbox_parked (message_key);
