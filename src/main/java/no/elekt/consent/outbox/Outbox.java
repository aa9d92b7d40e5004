package no.elekt.consent.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.identifiers.IdentifierVault;

/**
 * The only code that reads or writes the {@code outbox_event} table. Writers call {@link #add} inside the unit of
 * work that made the change, so the event is committed exactly when the change is; the relay takes them out in id
 * order.
 */
@ApplicationScoped
public class Outbox {

    private static final long LEADER_LOCK = 0x636f6e73656e74L; // "consent"

    private final IdentifierVault vault;
    private final Map<Schema, BinaryMessageEncoder<SpecificRecordBase>> encoders = new ConcurrentHashMap<>();

    Outbox(IdentifierVault vault) {
        this.vault = vault;
    }

    /** An event for the outbox: its topic, message key (the subject) and id. */
    public record Event(String topic, String key, UUID eventId, SpecificRecordBase payload) {
    }

    /**
     * An event read back for relaying, its payload decoded, or why it could not be ({@code unreadable}); the trace
     * it was written in, if traced.
     */
    record Stored(long id, String topic, String key, String eventType, UUID eventId, SpecificRecordBase payload,
            String unreadable, String traceparent) {
    }

    /** A parked event as ops see it: no payload (it carries identifiers). */
    public record Parked(long id, String topic, String subjectId, String eventType, UUID eventId,
            OffsetDateTime createdAt, String reason, OffsetDateTime parkedAt) {
    }

    /** How many events wait, and how long the oldest has. */
    record Backlog(long events, long oldestAgeSeconds) {
    }

    /**
     * Writes the events in one round trip, on the connection of the transaction that made the change; their ids
     * come from the table's sequence in list order, the order the relay sends them in.
     */
    public Uni<Void> add(SqlClient client, List<Event> events) {
        return add(client, events, Collections.nCopies(events.size(), (String) null));
    }

    /**
     * The same, each event in the trace of the request that made its change (a W3C traceparent per event, in the
     * events' order, null if untraced): the relay sends it as part of that trace.
     */
    public Uni<Void> add(SqlClient client, List<Event> events, List<String> traceparents) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Tuple> rows = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            rows.add(Tuple.from(Arrays.asList(e.topic(), e.key(), e.payload().getSchema().getName(), e.eventId(),
                    Buffer.buffer(vault.encrypt(encode(e.payload()), context(e.topic(), e.eventId()))), now,
                    traceparents.get(i))));
        }
        return client.preparedQuery("""
                insert into outbox_event (topic, message_key, event_type, event_id, payload, created_at, traceparent)
                values ($1, $2, $3, $4, $5, $6, $7)""")
                .executeBatch(rows)
                .replaceWithVoid();
    }

    private byte[] encode(SpecificRecordBase event) {
        // one encoder per schema: making one computes the schema's fingerprint, which showed in the profile
        BinaryMessageEncoder<SpecificRecordBase> encoder = encoders.computeIfAbsent(event.getSchema(),
                schema -> new BinaryMessageEncoder<>(event.getSpecificData(), schema));
        try {
            ByteBuffer buffer = encoder.encode(event);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Takes the relay's lock if no other instance holds it: a session-level advisory lock, released when the
     * connection closes.
     */
    Uni<Boolean> tryLead(SqlClient connection) {
        return connection.preparedQuery("select pg_try_advisory_lock($1)").execute(Tuple.of(LEADER_LOCK))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    /** Has PostgreSQL end this session (and so free its advisory lock) once it has waited this long for a query. */
    Uni<Void> endSessionWhenIdleFor(SqlClient connection, Duration idle) {
        return connection.preparedQuery("select set_config('idle_session_timeout', $1, false)")
                .execute(Tuple.of(idle.toMillis() + "ms")).replaceWithVoid();
    }

    /** Subscribes the connection to the insert trigger's notifications. */
    Uni<Void> listen(SqlClient connection) {
        return connection.query("LISTEN outbox_event").execute().replaceWithVoid();
    }

    /**
     * The oldest events, in id order (the order they were written in), of subjects with no parked event: a parked
     * event holds back its own subject's later events and nothing else. A payload that cannot be read (its key is not
     * in the ring, an unknown type) comes back with the reason instead, to be parked.
     */
    Uni<List<Stored>> oldest(SqlClient client, int limit) {
        return client.preparedQuery("""
                select id, topic, message_key, event_type, event_id, payload, traceparent
                from outbox_event o
                where not exists (select 1 from outbox_parked p where p.message_key = o.message_key)
                order by id limit $1""")
                .execute(Tuple.of(limit))
                .map(rows -> {
                    List<Stored> stored = new ArrayList<>();
                    for (Row row : rows) {
                        SpecificRecordBase payload = null;
                        String unreadable = null;
                        try {
                            payload = decode(row.getString("event_type"), vault.decrypt(row.getBuffer("payload")
                                    .getBytes(), context(row.getString("topic"), row.getUUID("event_id"))));
                        } catch (RuntimeException e) {
                            unreadable = "payload cannot be read: " + e.getMessage();
                        }
                        stored.add(new Stored(row.getLong("id"), row.getString("topic"), row.getString("message_key"),
                                row.getString("event_type"), row.getUUID("event_id"), payload, unreadable,
                                row.getString("traceparent")));
                    }
                    return stored;
                });
    }

    /** Moves an event that cannot be delivered as it is to outbox_parked, with the reason, in one statement. */
    Uni<Void> park(SqlClient client, long id, String reason) {
        return client.preparedQuery("""
                with moved as (delete from outbox_event where id = $1 returning *)
                insert into outbox_parked (id, topic, message_key, event_type, event_id, payload, created_at, reason,
                                           parked_at)
                select id, topic, message_key, event_type, event_id, payload, created_at, $2, now() from moved""")
                .execute(Tuple.of(id, reason.length() > 1000 ? reason.substring(0, 1000) : reason))
                .replaceWithVoid();
    }

    /** Parked events in id order, a page after {@code afterId}. */
    public Uni<List<Parked>> parked(SqlClient client, long afterId, int limit) {
        return client.preparedQuery("""
                select id, topic, message_key, event_type, event_id, created_at, reason, parked_at
                from outbox_parked where id > $1 order by id limit $2""")
                .execute(Tuple.of(afterId, limit))
                .map(rows -> {
                    List<Parked> parked = new ArrayList<>();
                    for (Row row : rows) {
                        parked.add(new Parked(row.getLong("id"), row.getString("topic"), row.getString("message_key"),
                                row.getString("event_type"), row.getUUID("event_id"),
                                row.getOffsetDateTime("created_at"), row.getString("reason"),
                                row.getOffsetDateTime("parked_at")));
                    }
                    return parked;
                });
    }

    /**
     * Puts a parked event back in the outbox under its own id, so it is its subject's first again; false if no such
     * event is parked.
     */
    public Uni<Boolean> unpark(SqlClient client, long id) {
        return client.preparedQuery("""
                with moved as (delete from outbox_parked where id = $1 returning *)
                insert into outbox_event (id, topic, message_key, event_type, event_id, payload, created_at)
                select id, topic, message_key, event_type, event_id, payload, created_at from moved""")
                .execute(Tuple.of(id))
                .map(rows -> rows.rowCount() == 1);
    }

    Uni<Long> parkedCount(SqlClient client) {
        return client.query("select count(*) from outbox_parked").execute()
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** Deletes events Kafka has acknowledged. */
    Uni<Void> delete(SqlClient client, List<Long> ids) {
        return client.preparedQuery("delete from outbox_event where id = any($1)")
                .execute(Tuple.of(ids.toArray(Long[]::new))).replaceWithVoid();
    }

    Uni<Backlog> backlog(SqlClient client) {
        return client.query("""
                select count(*), coalesce(extract(epoch from now() - min(created_at)), 0)::bigint from outbox_event""")
                .execute()
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Backlog(row.getLong(0), row.getLong(1));
                });
    }

    /** Where a payload belongs: its ciphertext opens only as this topic's event. */
    public static String context(String topic, UUID eventId) {
        return "outbox_event|" + topic + "|" + eventId;
    }

    /** Decodes a decrypted payload back into its Avro record. */
    private static SpecificRecordBase decode(String eventType, byte[] payload) {
        ByteBuffer bytes = ByteBuffer.wrap(payload);
        try {
            return switch (eventType) {
                case "ConsentChanged" -> ConsentChanged.fromByteBuffer(bytes);
                case "ProcessorDirective" -> ProcessorDirective.fromByteBuffer(bytes);
                case "PropagationReceipt" -> PropagationReceipt.fromByteBuffer(bytes);
                default -> throw new IllegalStateException("Unknown outbox event type " + eventType);
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
