-- The ops console (issue 17).
-- A receipt's proof of effect is kept on its propagation, so a subject's timeline shows what was read back at the
-- processor: the verification and its evidence (check, time, answer; never an identifier).
alter table propagation add column verification varchar(32);
alter table propagation add column evidence jsonb;
-- A subject's timeline lists its propagations.
create index propagation_subject on propagation (subject_id, created_at);
-- The overview's charts read the last hours: BRIN indexes are tiny, follow the append order of these times, and
-- (PostgreSQL 16+) do not stop HOT updates of the propagation rows.
create index consent_record_recorded_brin on consent_record using brin (recorded_at);
create index propagation_updated_brin on propagation using brin (updated_at);
