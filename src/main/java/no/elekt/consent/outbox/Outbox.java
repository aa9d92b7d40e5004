package no.elekt.consent.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;

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

    Outbox(IdentifierVault vault) {
        this.vault = vault;
    }

    public Uni<Void> add(String topic, String key, UUID eventId, SpecificRecordBase event) {
        OutboxEvent row = new OutboxEvent();
        row.topic = topic;
        row.messageKey = key;
        row.eventType = event.getSchema().getName();
        row.eventId = eventId;
        row.payload = vault.encrypt(encode(event));
        row.createdAt = Instant.now();
        return row.persist().replaceWithVoid();
    }

    private static byte[] encode(SpecificRecordBase event) {
        try {
            ByteBuffer buffer = new BinaryMessageEncoder<SpecificRecordBase>(event.getSpecificData(), event.getSchema())
                    .encode(event);
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
