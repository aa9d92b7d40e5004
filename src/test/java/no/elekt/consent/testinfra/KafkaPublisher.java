package no.elekt.consent.testinfra;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;

/** Publishes to Kafka as an app backend would: Avro through the registry, or raw bytes for poison records. */
public final class KafkaPublisher implements AutoCloseable {

    private final KafkaProducer<String, Object> avro;
    private final KafkaProducer<String, byte[]> raw;

    public KafkaPublisher() {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                "apicurio.registry.url", Infra.registryUrl(),
                "apicurio.registry.auto-register", "true");
        AvroKafkaSerializer<Object> serializer = new AvroKafkaSerializer<>();
        serializer.configure(config, false); // Kafka configures only the serializers it creates itself
        avro = new KafkaProducer<>(config, new StringSerializer(), serializer);
        raw = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    public void send(String topic, String key, Object value) {
        await(avro.send(new ProducerRecord<>(topic, key, value)));
    }

    public void send(String topic, String key, Object value, Map<String, String> headers) {
        ProducerRecord<String, Object> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((k, v) -> record.headers().add(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        await(avro.send(record));
    }

    public void sendRaw(String topic, String key, byte[] value) {
        await(raw.send(new ProducerRecord<>(topic, key, value)));
    }

    private static void await(java.util.concurrent.Future<?> ack) {
        try {
            ack.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge", e);
        }
    }

    @Override
    public void close() {
        avro.close();
        raw.close();
    }
}
