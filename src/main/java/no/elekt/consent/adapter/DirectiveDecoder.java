package no.elekt.consent.adapter;

import java.util.HashMap;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.Config;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import no.elekt.consent.events.ProcessorDirective;

/**
 * Decodes directives from the bytes adapters consume. Adapters read raw bytes rather than letting the connector
 * decode them, so a record that cannot be read is dead-lettered exactly as it arrived, and a replay sends the
 * original bytes back (Kafka UI still decodes them: they carry their schema id).
 */
@ApplicationScoped
public class DirectiveDecoder {

    private static final String REGISTRY_PREFIX = "mp.messaging.connector.smallrye-kafka.apicurio.";

    private final AvroKafkaDeserializer<ProcessorDirective> avro = new AvroKafkaDeserializer<>();

    DirectiveDecoder(Config config) {
        Map<String, Object> settings = new HashMap<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(REGISTRY_PREFIX)) {
                config.getOptionalValue(name, String.class)
                        .ifPresent(v -> settings.put(name.substring("mp.messaging.connector.smallrye-kafka.".length()), v));
            }
        }
        settings.put("apicurio.registry.use-specific-avro-reader", "true");
        avro.configure(settings, false);
    }

    /** The directive in the record; fails with a reason fit for a dead-letter header if it cannot be read. */
    public ProcessorDirective decode(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            throw new IllegalArgumentException("empty record");
        }
        Object value;
        try {
            value = avro.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a readable ProcessorDirective: " + e.getClass().getSimpleName());
        }
        if (!(value instanceof ProcessorDirective directive)) {
            throw new IllegalArgumentException("not a ProcessorDirective: "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        return directive;
    }

    @PreDestroy
    void close() {
        avro.close();
    }
}
