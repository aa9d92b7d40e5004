-- The ops console (issue 17).
-- (A receipt's proof of effect, which the timeline shows, is kept on the propagation by V70.)
-- A subject's timeline lists its propagations.
create index propagation_subject on propagation (subject_id, created_at);
-- The overview's charts read the last hours: BRIN indexes are tiny, follow the append order of these times, and
-- (PostgreSQL 16+) do not stop HOT updates of the propagation rows.
create index consent_record_recorded_brin on consent_record using brin (recorded_at);
create index propagation_updated_brin on propagation using brin (updated_at);
