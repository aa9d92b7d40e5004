-- Who did what as ops: every retry, confirmation, dead-letter replay, export and backfill start or cancel, with the
-- token's principal. Append-only; read newest first by its id (the cursor of GET /v1/ops/audit).
create table ops_audit (
    audit_id   bigserial     primary key,
    at         timestamptz   not null,
    principal  varchar(256)  not null,
    action     varchar(32)   not null,
    target     varchar(512)  not null,
    note       varchar(1024)
);
