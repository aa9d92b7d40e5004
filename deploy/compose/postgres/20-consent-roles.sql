-- Runs once, on the first start of an empty data volume (docker-entrypoint-initdb.d), in the "consent" database.
-- Least privilege (deploy/README.md "Database roles"): the group roles the migration V46 grants tables to, and one
-- login user per adapter in its group. The core logs in as "consent", which owns the schema and runs the migrations
-- (here the image's superuser; in production an owner that is no superuser). Local passwords only.
CREATE ROLE consent_core NOLOGIN;
GRANT consent_core TO consent;
CREATE ROLE consent_adapter_mailgun NOLOGIN;
CREATE ROLE consent_adapter_firebase NOLOGIN;
CREATE ROLE consent_adapter_eliq NOLOGIN;
CREATE ROLE consent_adapter_addapptr NOLOGIN;
CREATE USER consent_mailgun PASSWORD 'consent_mailgun' IN ROLE consent_adapter_mailgun;
CREATE USER consent_firebase PASSWORD 'consent_firebase' IN ROLE consent_adapter_firebase;
CREATE USER consent_eliq PASSWORD 'consent_eliq' IN ROLE consent_adapter_eliq;
CREATE USER consent_addapptr PASSWORD 'consent_addapptr' IN ROLE consent_adapter_addapptr;
