-- The decision in force is the one that occurred last (issue 11). Every change stays in the ledger as proof; one
-- that occurred before the decision in force is recorded as not in force and reaches no processor.
alter table consent_record add column in_force boolean not null default true;
-- The subject's latest erasure, looked up when a change brings identifiers: an older change never brings them back.
create index consent_record_erasure on consent_record (subject_id, occurred_at) where kind = 'ERASURE';

-- consent_state: version and change_id are those of the change in force; occurred_at is when it occurred;
-- last_version numbers the ledger rows of the subject and purpose, in force or not.
alter table consent_state add column occurred_at timestamptz;
alter table consent_state add column last_version bigint;
update consent_state s set occurred_at = r.occurred_at, last_version = s.version
from consent_record r where r.change_id = s.change_id;
alter table consent_state alter column occurred_at set not null;
alter table consent_state alter column last_version set not null;

-- Every value of every identifier type is kept until erasure (every device, every past address), with when it was
-- first and last seen. Values are compared decrypted, under a per-subject lock (IdentifierStore), not by a hash.
alter table subject_identifier drop constraint subject_identifier_pkey;
alter table subject_identifier add column id bigserial primary key;
alter table subject_identifier rename column updated_at to last_seen_at;
alter table subject_identifier add column first_seen_at timestamptz;
update subject_identifier set first_seen_at = last_seen_at;
alter table subject_identifier alter column first_seen_at set not null;
create index subject_identifier_subject on subject_identifier (subject_id, type);

-- Adapters: the action applied at the highest version, so a deletion carried out late is followed by the newer
-- grant again (a deletion is never superseded, and a later grant is not undone by it).
alter table adapter_applied_version add column action varchar(16);

-- A deletion is never superseded. Deletions answered SUPERSEDED before this rule are not done: they are FAILED,
-- for ops to retry (with the identifiers known now) or to confirm by hand.
update propagation set status = 'FAILED', updated_at = now(),
    detail = 'deletion skipped as superseded by an older version of the service; retry it'
where action = 'DELETE' and status = 'SUPERSEDED';
