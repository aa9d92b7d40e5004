-- A propagation carries what its directive is built from (the purpose and its version, the kind of change, when it
-- was issued), so the propagation package re-issues a directive without reading the ledger, and the rights request
-- it serves, so a request's progress is read from propagation alone.
alter table propagation add column purpose varchar(64);
alter table propagation add column version bigint;
alter table propagation add column kind varchar(32);
alter table propagation add column issued_at timestamptz;
alter table propagation add column request_id uuid;
update propagation p set purpose = c.purpose, version = c.version, kind = c.kind, issued_at = c.recorded_at,
    request_id = c.request_id
from consent_record c where c.change_id = p.change_id;
alter table propagation alter column purpose set not null;
alter table propagation alter column version set not null;
alter table propagation alter column kind set not null;
alter table propagation alter column issued_at set not null;
create index propagation_request on propagation (request_id) where request_id is not null;
