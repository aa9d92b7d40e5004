package no.elekt.consent.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.Config;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;

/**
 * Decodes Avro records that a consumer read as bytes, through the registry configured for the connector.
 * Consumers that read bytes rather than letting the connector decode can dead-letter a record exactly as it
 * arrived, and a replay sends the original bytes back (Kafka UI still decodes them: they carry their schema id).
 */
public final class RegistryDecoder<T extends SpecificRecord> implements AutoCloseable {

    private static final String CONNECTOR_PREFIX = "mp.messaging.connector.smallrye-kafka.";

    private final Class<T> type;
    private final AvroKafkaDeserializer<T> avro = new AvroKafkaDeserializer<>();

    public RegistryDecoder(Config config, Class<T> type) {
        this.type = type;
        Map<String, Object> settings = new HashMap<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(CONNECTOR_PREFIX + "apicurio.")) {
                config.getOptionalValue(name, String.class)
                        .ifPresent(v -> settings.put(name.substring(CONNECTOR_PREFIX.length()), v));
            }
        }
        settings.put("apicurio.registry.use-specific-avro-reader", "true");
        avro.configure(RegistrySerializer.withSchemaKeyedDatums(settings), false);
    }

    /** The record's value; fails with a reason fit for a dead-letter header if it cannot be read. */
    public T decode(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            throw new IllegalArgumentException("empty record");
        }
        Object value;
        try {
            value = avro.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a readable " + type.getSimpleName() + ": "
                    + e.getClass().getSimpleName());
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("not a " + type.getSimpleName() + ": "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        return type.cast(value);
    }

    @Override
    public void close() {
        avro.close();
    }
}
