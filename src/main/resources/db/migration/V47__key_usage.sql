-- Encryptions made with each key of the key ring, by every instance over the key's life: AES-GCM with random 96-bit
-- nonces is safe up to about 2^32 encryptions per key, so this is watched against a budget (KeyRotation).
create table crypto_key_usage (
    key_id       varchar(64) primary key,
    encryptions  bigint      not null,
    updated_at   timestamptz not null
);
