-- pgbench: the statements of one accepted consent change, in one transaction, as the service runs them for the
-- benchmark's request (POST /v1/consent-changes, no Idempotency-Key, a new subject, four identifiers, one directive):
-- ChangeRecorder.append, IdentifierStore.merge and DirectiveSeal (through SubjectKeys.keysOf) after V71, in their
-- order and round trips:
--   1. the consent_state upsert that numbers the change and decides whether it is in force;
--   2. the check for a later erasure of the subject (the change brings identifiers);
--   3. the per-subject advisory lock, then every identifier value known for the subject;
--   4. one insert per new identifier value (executeBatch: pipelined, one round trip);
--   5. the subject's data key for sealing the directive's identifiers: read FOR SHARE, made (a new subject), read again;
--   6. the ledger row, the outbox events (ConsentChanged and the directive; one insert each, so the statement
--      trigger NOTIFYs twice) and the propagation, pipelined in one round trip;
--   then COMMIT. Payloads and ciphertexts have the sizes the service writes for the benchmark's request (Avro single-object
--   encoding, AES-GCM with the key id, nonce and tag: the e-mail 70 bytes, the other identifiers 58, ConsentChanged 250,
--   the Mailgun directive 270). Run with -M prepared (the service's statements are prepared; pipelines need it).
-- Keep it in step with LedgerService / IdentifierStore / Outbox when they change.
-- pgbench replaces :name even inside quotes, so no string literal here has a colon followed by a letter.
\set n random(1, 9000000000000000000)
BEGIN;
INSERT INTO consent_state AS s (subject_id, purpose, decision, version, change_id, occurred_at, last_version, updated_at,
                                kind)
  VALUES ('pgb-' || :client_id::text || '-' || :n::text, 'newsletter', 'WITHDRAWN', 1, md5('pgb-' || :client_id::text || '-' || :n::text)::uuid,
          now(), 1, now(), 'DECISION')
  ON CONFLICT (subject_id, purpose) DO UPDATE
  SET last_version = s.last_version + 1,
      kind = CASE WHEN excluded.occurred_at >= s.occurred_at THEN excluded.kind ELSE s.kind END,
      decision = CASE WHEN excluded.occurred_at >= s.occurred_at THEN coalesce(excluded.decision, s.decision) ELSE s.decision END,
      version = CASE WHEN excluded.occurred_at >= s.occurred_at THEN s.last_version + 1 ELSE s.version END,
      change_id = CASE WHEN excluded.occurred_at >= s.occurred_at THEN excluded.change_id ELSE s.change_id END,
      occurred_at = greatest(s.occurred_at, excluded.occurred_at),
      updated_at = excluded.updated_at
  RETURNING last_version, change_id = md5('pgb-' || :client_id::text || '-' || :n::text)::uuid AS in_force;
SELECT EXISTS (SELECT 1 FROM consent_record
               WHERE subject_id = 'pgb-' || :client_id::text || '-' || :n::text AND kind = 'ERASURE' AND occurred_at > now());
SELECT pg_advisory_xact_lock(hashtextextended('subject_identifier:' || 'pgb-' || :client_id::text || '-' || :n::text, 0));
SELECT subject_id, id, type, ciphertext, first_seen_at, last_seen_at FROM subject_identifier
  WHERE subject_id = 'pgb-' || :client_id::text || '-' || :n::text ORDER BY last_seen_at DESC, id DESC;
\startpipeline
INSERT INTO subject_identifier (subject_id, type, ciphertext, first_seen_at, last_seen_at)
  VALUES ('pgb-' || :client_id::text || '-' || :n::text, 'eliqUserId', decode(repeat('ab', 58), 'hex'), now(), now());
INSERT INTO subject_identifier (subject_id, type, ciphertext, first_seen_at, last_seen_at)
  VALUES ('pgb-' || :client_id::text || '-' || :n::text, 'email', decode(repeat('ab', 70), 'hex'), now(), now());
INSERT INTO subject_identifier (subject_id, type, ciphertext, first_seen_at, last_seen_at)
  VALUES ('pgb-' || :client_id::text || '-' || :n::text, 'fcmToken', decode(repeat('ab', 58), 'hex'), now(), now());
INSERT INTO subject_identifier (subject_id, type, ciphertext, first_seen_at, last_seen_at)
  VALUES ('pgb-' || :client_id::text || '-' || :n::text, 'firebaseAppInstanceId', decode(repeat('ab', 58), 'hex'), now(), now());
\endpipeline
SELECT subject_id, wrapped FROM subject_key WHERE subject_id = any(ARRAY['pgb-' || :client_id::text || '-' || :n::text]) FOR SHARE;
INSERT INTO subject_key (subject_id, key_id, wrapped, created_at)
  VALUES ('pgb-' || :client_id::text || '-' || :n::text, 'k1', decode(repeat('ab', 60), 'hex'), now())
  ON CONFLICT (subject_id) DO NOTHING;
SELECT subject_id, wrapped FROM subject_key WHERE subject_id = any(ARRAY['pgb-' || :client_id::text || '-' || :n::text]) FOR SHARE;
\startpipeline
INSERT INTO consent_record (change_id, subject_id, purpose, kind, decision, version, occurred_at, recorded_at, source,
                            policy_version, request_id, in_force)
  VALUES (md5('pgb-' || :client_id::text || '-' || :n::text)::uuid, 'pgb-' || :client_id::text || '-' || :n::text, 'newsletter', 'DECISION',
          'WITHDRAWN', 1, now(), now(), 'pgbench', 'no-2023-04-27', NULL, true);
INSERT INTO outbox_event (topic, message_key, event_type, event_id, payload, created_at, traceparent)
  VALUES ('consent.changes.v1', 'pgb-' || :client_id::text || '-' || :n::text, 'ConsentChanged', gen_random_uuid(),
          decode(repeat('ab', 250), 'hex'), now(), NULL);
INSERT INTO outbox_event (topic, message_key, event_type, event_id, payload, created_at, traceparent)
  VALUES ('consent.directives.mailgun.v1', 'pgb-' || :client_id::text || '-' || :n::text, 'ProcessorDirective', gen_random_uuid(),
          decode(repeat('ab', 270), 'hex'), now(), NULL);
INSERT INTO propagation (directive_id, change_id, subject_id, processor, action, status, deadline, created_at,
                         updated_at, attempts, purpose, version, kind, issued_at, request_id)
  VALUES (gen_random_uuid(), md5('pgb-' || :client_id::text || '-' || :n::text)::uuid, 'pgb-' || :client_id::text || '-' || :n::text,
          'mailgun', 'DELETE', 'PENDING', now() + interval '30 days', now(), now(), 0, 'newsletter', 1, 'DECISION', now(),
          NULL);
\endpipeline
END;
