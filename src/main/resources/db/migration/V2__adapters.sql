-- Adapters: every directive handled, with the receipt given, so a redelivered directive causes no second call at
-- the processor and is answered with the same receipt. Failed directives are not kept: they are tried again.
create table adapter_directive (
    processor     varchar(64)  not null,
    directive_id  varchar(64)  not null,
    change_id     varchar(64)  not null,
    subject_id    varchar(128) not null,
    receipt_id    uuid         not null,
    outcome       varchar(32)  not null,
    detail        varchar(512),
    attempts      integer      not null,
    completed_at  timestamptz  not null,
    primary key (processor, directive_id)
);

-- Stale work loses: per processor, subject and purpose, the highest version applied. A directive whose purposes
-- are all older than this is answered SUPERSEDED without a call.
create table adapter_applied_version (
    processor   varchar(64)  not null,
    subject_id  varchar(128) not null,
    purpose     varchar(64)  not null,
    version     bigint       not null,
    updated_at  timestamptz  not null,
    primary key (processor, subject_id, purpose)
);
