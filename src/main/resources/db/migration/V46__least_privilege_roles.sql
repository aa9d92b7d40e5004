-- Least privilege in the database (issue 13). Group roles (NOLOGIN) that the login users of each deployment are
-- made members of (deploy/README.md): consent_core for the core, which owns the schema and runs the migrations,
-- and one consent_adapter_<processor> per adapter, granted only the tables adapters use, and within them (row-level
-- security) only its own processor's rows. Roles are cluster-wide: the database's administrator makes them before the
-- first start (deploy/README.md, "Database roles"); a migrating user allowed to create roles makes any that are missing.
do $$
declare
    role text;
begin
    foreach role in array array['consent_core', 'consent_adapter_addapptr', 'consent_adapter_firebase',
                                'consent_adapter_mailgun', 'consent_adapter_eliq'] loop
        if not exists (select 1 from pg_roles where rolname = role) then
            if not exists (select 1 from pg_roles where rolname = current_user and (rolcreaterole or rolsuper)) then
                raise exception 'database role % is missing and % may not create roles: create it as the '
                    'database administrator (create role % nologin), see deploy/README.md "Database roles"',
                    role, current_user, role;
            end if;
            execute format('create role %I nologin', role);
        end if;
    end loop;
end $$;

-- The core: every table and sequence, now and those later migrations create.
grant usage on schema public to consent_core;
grant select, insert, update, delete on all tables in schema public to consent_core;
grant usage, select on all sequences in schema public to consent_core;
alter default privileges in schema public grant select, insert, update, delete on tables to consent_core;
alter default privileges in schema public grant usage, select on sequences to consent_core;

-- Every adapter: its handled directives and applied versions (DirectiveHandler, HandledDirectives), and the
-- subjects' data keys, read to open a directive's sealed identifiers (DirectiveSeal). Nothing of the ledger.
grant usage on schema public to consent_adapter_addapptr, consent_adapter_firebase, consent_adapter_mailgun,
    consent_adapter_eliq;
grant select, insert, update on adapter_directive, adapter_applied_version
    to consent_adapter_addapptr, consent_adapter_firebase, consent_adapter_mailgun, consent_adapter_eliq;
grant select on subject_key
    to consent_adapter_addapptr, consent_adapter_firebase, consent_adapter_mailgun, consent_adapter_eliq;

-- Mailgun also reconciles (Reconciliation, MailgunReconciliation): the addresses it compares, its drifts and runs.
grant select on subject_identifier to consent_adapter_mailgun;
grant select, insert, update on adapter_drift, adapter_reconciliation_run to consent_adapter_mailgun;
grant usage on sequence adapter_reconciliation_run_id_seq to consent_adapter_mailgun;

-- Within the adapters' tables, an adapter role sees and writes only its own processor's rows. The owner (the
-- migrating core user) is not subject to row-level security; a core user that is not the owner gets every row.
create function consent_adapter_processors() returns text[] language sql stable as $$
    select coalesce(array_agg(substring(r.rolname from length('consent_adapter_') + 1)), '{}')
    from pg_roles r
    where r.rolname like 'consent\_adapter\_%' and pg_has_role(current_user, r.oid, 'member')
$$;
create function consent_core_member() returns boolean language sql stable as $$
    select pg_has_role(current_user, 'consent_core', 'member')
$$;

alter table adapter_directive enable row level security;
alter table adapter_applied_version enable row level security;
alter table adapter_drift enable row level security;
alter table adapter_reconciliation_run enable row level security;
create policy own_processor on adapter_directive
    using (consent_core_member() or processor = any (consent_adapter_processors()));
create policy own_processor on adapter_applied_version
    using (consent_core_member() or processor = any (consent_adapter_processors()));
create policy own_processor on adapter_drift
    using (consent_core_member() or processor = any (consent_adapter_processors()));
create policy own_processor on adapter_reconciliation_run
    using (consent_core_member() or processor = any (consent_adapter_processors()));
