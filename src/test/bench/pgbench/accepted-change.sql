-- pgbench: the writes of one accepted consent change, in one transaction, as LedgerService does them
-- (consent_state upsert, subject_identifier upsert, consent_record insert, propagation insert,
-- two outbox inserts: ConsentChanged and the directive; payloads of the size the service writes).
\set n random(1, 2000000000)
BEGIN;
INSERT INTO consent_state AS s (subject_id, purpose, decision, version, change_id, updated_at)
  VALUES ('pgb-' || :client_id || '-' || :n, 'newsletter', 'WITHDRAWN', 1, gen_random_uuid(), now())
  ON CONFLICT (subject_id, purpose) DO UPDATE SET decision = coalesce(excluded.decision, s.decision),
  version = s.version + 1, change_id = excluded.change_id, updated_at = excluded.updated_at RETURNING version;
INSERT INTO subject_identifier (subject_id, type, ciphertext, updated_at)
  VALUES ('pgb-' || :client_id || '-' || :n, 'email', decode(repeat('ab', 60), 'hex'), now()),
         ('pgb-' || :client_id || '-' || :n, 'eliqUserId', decode(repeat('ab', 60), 'hex'), now()),
         ('pgb-' || :client_id || '-' || :n, 'fcmToken', decode(repeat('ab', 60), 'hex'), now()),
         ('pgb-' || :client_id || '-' || :n, 'firebaseAppInstanceId', decode(repeat('ab', 60), 'hex'), now())
  ON CONFLICT (subject_id, type) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at;
INSERT INTO consent_record (change_id, subject_id, purpose, kind, decision, version, occurred_at, recorded_at, source, policy_version)
  VALUES (gen_random_uuid(), 'pgb-' || :client_id || '-' || :n, 'newsletter', 'DECISION', 'WITHDRAWN', 1, now(), now(), 'pgbench', 'no-2023-04-27');
INSERT INTO propagation (directive_id, change_id, subject_id, processor, action, status, deadline, created_at, updated_at)
  VALUES (gen_random_uuid(), gen_random_uuid(), 'pgb-' || :client_id || '-' || :n, 'mailgun', 'DELETE', 'PENDING', now() + interval '30 days', now(), now());
INSERT INTO outbox_event (topic, message_key, event_type, event_id, payload, created_at)
  VALUES ('consent.changes.v1', 'pgb-' || :client_id || '-' || :n, 'ConsentChanged', gen_random_uuid(), decode(repeat('ab', 250), 'hex'), now());
INSERT INTO outbox_event (topic, message_key, event_type, event_id, payload, created_at)
  VALUES ('consent.directives.mailgun.v1', 'pgb-' || :client_id || '-' || :n, 'ProcessorDirective', gen_random_uuid(), decode(repeat('ab', 250), 'hex'), now());
END;
