-- A subject's history and export are read a page at a time in (recorded_at, purpose, version) order, unique within a
-- subject: this index serves each page directly, however long the ledger. It replaces the index on
-- (subject_id, recorded_at), which it covers, so a ledger insert maintains no more indexes than before.
create index consent_record_subject_page on consent_record (subject_id, recorded_at, purpose, version);
drop index consent_record_subject;
