package no.elekt.consent.testinfra;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;

/**
 * Reads topics from the beginning, as a consumer of the service would, decoding Avro through the registry.
 * Keeps the raw bytes too, so tests can check what is (not) on the wire.
 */
public final class KafkaEvents implements AutoCloseable {

    public record Event(String topic, String key, Object value, byte[] raw, Map<String, String> headers) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroKafkaDeserializer<Object> avro = new AvroKafkaDeserializer<>();
    private final List<Event> seen = new ArrayList<>();

    private KafkaEvents(List<String> topics) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000"),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(topics);
        avro.configure(Map.of("apicurio.registry.url", Infra.registryUrl(),
                "apicurio.registry.use-specific-avro-reader", "true"), false);
    }

    public static KafkaEvents from(String... topics) {
        return new KafkaEvents(List.of(topics));
    }

    /** Everything read so far from one topic with one key, in offset order. */
    public synchronized List<Event> events(String topic, String key) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            Map<String, String> headers = new java.util.HashMap<>();
            r.headers().forEach(h -> headers.put(h.key(), h.value() == null ? null : new String(h.value())));
            Object value = null;
            if (r.value() != null && !r.topic().endsWith(".dlq")) {
                try {
                    value = avro.deserialize(r.topic(), r.headers(), r.value());
                } catch (RuntimeException unreadable) {
                    // another test's deliberately unreadable record on a shared topic; its raw bytes are kept
                }
            }
            seen.add(new Event(r.topic(), r.key(), value, r.value(), headers));
        }
        return seen.stream().filter(e -> e.topic().equals(topic) && key.equals(e.key())).toList();
    }

    /** Waits until at least {@code count} events of the key are on the topic, and answers their values. */
    @SuppressWarnings("unchecked")
    public <T> List<T> await(String topic, String key, int count) {
        return (List<T>) awaitEvents(topic, key, count).stream().map(Event::value).toList();
    }

    public List<Event> awaitEvents(String topic, String key, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(10))
                .until(() -> events(topic, key).size() >= count);
        return events(topic, key);
    }

    @Override
    public void close() {
        consumer.close();
        avro.close();
    }
}
