-- An idempotency key is one caller's, for one endpoint: (caller, endpoint, key), not one namespace for everyone.
-- The Kafka intake is caller 'kafka' with its topic as the endpoint. resource_id is what the first request made:
-- a ledger change, or a rights request.
alter table idempotency_key drop constraint idempotency_key_pkey;
alter table idempotency_key add column caller varchar(128) not null default '';
alter table idempotency_key add column endpoint varchar(128) not null default '';
alter table idempotency_key rename column change_id to resource_id;
comment on column idempotency_key.resource_id is 'what the first request under the key made: a change or a rights request';
-- The Kafka intake's own keys (a record's position, when it carries no key) are known by their form. The callers of
-- the other keys were not recorded: those rows stay, under an empty caller, and match no new request.
update idempotency_key set caller = 'kafka', endpoint = 'consent.change-requests.v1'
where idempotency_key like 'consent.change-requests.v1/%';
alter table idempotency_key alter column caller drop default;
alter table idempotency_key alter column endpoint drop default;
alter table idempotency_key add primary key (caller, endpoint, idempotency_key);
