package no.elekt.consent.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
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
     * Writes the events in one statement (one round trip however many processors a change reaches); their ids come
     * from the table's sequence in list order, the order the relay sends them in.
     */
    public Uni<Void> add(List<Event> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        StringBuilder sql = new StringBuilder(
                "insert into outbox_event (topic, message_key, event_type, event_id, payload, created_at) values ");
        for (int i = 0; i < events.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(:topic").append(i).append(", :key").append(i)
                    .append(", :type").append(i).append(", :id").append(i).append(", :payload").append(i)
                    .append(", :now)");
        }
        Instant now = Instant.now();
        return Panache.getSession().chain(session -> {
            var insert = session.createNativeQuery(sql.toString()).setParameter("now", now);
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                insert.setParameter("topic" + i, e.topic())
                        .setParameter("key" + i, e.key())
                        .setParameter("type" + i, e.payload().getSchema().getName())
                        .setParameter("id" + i, e.eventId())
                        .setParameter("payload" + i, vault.encrypt(encode(e.payload())));
            }
            return insert.executeUpdate();
        }).replaceWithVoid();
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
