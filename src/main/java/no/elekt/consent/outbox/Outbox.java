package no.elekt.consent.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.identifiers.IdentifierVault;

/**
 * Writes events to the outbox table. Call it inside the unit of work that made the change,
 * so the event is committed exactly when the change is.
 */
@ApplicationScoped
public class Outbox {

    private final IdentifierVault vault;
    private final Map<Schema, BinaryMessageEncoder<SpecificRecordBase>> encoders = new ConcurrentHashMap<>();

    Outbox(IdentifierVault vault) {
        this.vault = vault;
    }

    /** An event for the outbox: its topic, message key (the subject) and id. */
    public record Event(String topic, String key, UUID eventId, SpecificRecordBase payload) {
    }

    /**
     * Writes the events in one round trip, on the connection of the transaction that made the change; their ids
     * come from the table's sequence in list order, the order the relay sends them in.
     */
    public Uni<Void> add(SqlClient client, List<Event> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Tuple> rows = events.stream()
                .map(e -> Tuple.from(List.of(e.topic(), e.key(), e.payload().getSchema().getName(), e.eventId(),
                        Buffer.buffer(vault.encrypt(encode(e.payload()))), now)))
                .toList();
        return client.preparedQuery("""
                insert into outbox_event (topic, message_key, event_type, event_id, payload, created_at)
                values ($1, $2, $3, $4, $5, $6)""")
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

    /** Decodes a relayed row back into its Avro record. */
    SpecificRecordBase decode(String eventType, byte[] encryptedPayload) {
        ByteBuffer bytes = ByteBuffer.wrap(vault.decrypt(encryptedPayload));
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
