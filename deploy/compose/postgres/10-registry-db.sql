-- Runs once, on the first start of an empty data volume (docker-entrypoint-initdb.d).
-- The registry gets its own database and user on the same server as the service's "consent" database.
CREATE USER registry WITH PASSWORD 'registry';
CREATE DATABASE registry OWNER registry;
