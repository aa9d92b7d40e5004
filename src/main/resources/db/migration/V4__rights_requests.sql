-- Data-subject rights requests (erasure, objection, restriction, app uninstall). Every change a request causes is a
-- ledger row with request_id = this id, so its propagations are reached through the ledger.
create table rights_request (
    request_id          uuid primary key,
    subject_id          varchar(128)  not null,
    type                varchar(32)   not null,
    purposes            varchar(1024) not null,   -- the purposes it applies to, comma-separated
    received_at         timestamptz   not null,
    deadline            timestamptz   not null,
    -- an erasure, once closed at every processor: when the subject's identifiers were deleted
    purged_at           timestamptz,
    -- when passing its deadline was first reported, so it is logged once
    overdue_reported_at timestamptz
);
create index rights_request_subject on rights_request (subject_id, received_at);
create index rights_request_deadline on rights_request (deadline);
create index rights_request_unpurged_erasure on rights_request (received_at) where type = 'ERASURE' and purged_at is null;
create index consent_record_request on consent_record (request_id) where request_id is not null;

comment on column idempotency_key.change_id is
    'the change made under the key; for a key used on POST /v1/subjects/{id}/requests, the rights request';
