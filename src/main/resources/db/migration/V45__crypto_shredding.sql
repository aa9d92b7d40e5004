-- Crypto-shredding (issue 13): one random AES-256 data key per subject, wrapped by the key ring's key key_id.
-- Identifiers that leave the database (directives on Kafka, their dead letters) are sealed with it; the purge after
-- an erasure deletes the row, so every copy outside the database becomes unreadable.
create table subject_key (
    subject_id    varchar(128) primary key,
    key_id        varchar(64)  not null,  -- the key ring's key that wraps it; a rotation re-wraps under the active one
    wrapped       bytea        not null,
    created_at    timestamptz  not null,
    rewrapped_at  timestamptz
);
create index subject_key_wrapping on subject_key (key_id);

-- Request hashes were an unsalted SHA-256 of bodies with identifiers (a dictionary reverses them); they are now an
-- HMAC under a secret key. Nothing is deployed yet, so the old rows are deleted rather than kept unmatched.
delete from idempotency_key;
