-- What made the decision in force (a decision, or the rights request that recorded it): a backfill issues it again
-- as it was, an erasure as a deletion and a restriction as a suppression.
alter table consent_state add column kind varchar(32);
update consent_state s set kind = r.kind from consent_record r where r.change_id = s.change_id;
alter table consent_state alter column kind set not null;

-- A backfill: the directive in force for every subject of some purposes, issued again to one processor (a processor
-- added to the policy, a mapping changed, a processor that lost data). It walks consent_state along its primary key,
-- a page per transaction, and keeps its place (the cursor), so it resumes after a restart.
create table backfill (
    backfill_id     uuid primary key,
    processor       varchar(64)   not null,
    purposes        varchar(1024) not null,  -- comma-separated purpose ids
    decision        varchar(16),             -- only subjects with this decision in force; null: every decision
    status          varchar(16)   not null,  -- RUNNING, DONE, CANCELLED
    rate            double precision not null,  -- directives per second at most
    total           bigint        not null,  -- decisions in force covered when it started
    issued          bigint        not null default 0,
    cursor_subject  varchar(128)  not null default '',
    cursor_purpose  varchar(64)   not null default '',
    requested_by    varchar(256)  not null,
    created_at      timestamptz   not null,
    updated_at      timestamptz   not null,
    finished_at     timestamptz
);
create index backfill_running on backfill (created_at) where status = 'RUNNING';

-- The propagations a backfill issued, so its progress to CONFIRMED can be read.
alter table propagation add column backfill_id uuid;
create index propagation_backfill on propagation (backfill_id, status) where backfill_id is not null;
