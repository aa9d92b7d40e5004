package no.elekt.consent.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.InvalidFieldException;

/**
 * Sends dead letters back to the topic they came from (the dead-letter-topic header SmallRye sets), byte for byte,
 * once ops have fixed the cause. Progress is kept as the offsets of the consent-core-replay group, so each dead
 * letter is replayed once.
 */
@ApplicationScoped
public class DeadLetterReplay {

    private static final Logger LOG = Logger.getLogger(DeadLetterReplay.class);
    public static final String GROUP = "consent-core-replay";

    /** What a replay sent back, per topic it came from. */
    public record Replayed(String topic, int replayed, Map<String, Integer> byTarget) {
    }

    private final Map<String, Object> kafkaConfig;
    private final Policy policy;
    private final MeterRegistry metrics;

    DeadLetterReplay(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, Policy policy,
            MeterRegistry metrics) {
        this.kafkaConfig = kafkaConfig;
        this.policy = policy;
        this.metrics = metrics;
    }

    public List<String> deadLetterTopics() {
        List<String> topics = new ArrayList<>(List.of("consent.change-requests.v1.dlq", "consent.receipts.v1.dlq"));
        policy.processors().keySet().forEach(p -> topics.add(Policy.directiveTopic(p) + ".dlq"));
        return topics;
    }

    public Uni<Replayed> replay(String dlqTopic, int max) {
        if (dlqTopic == null || !deadLetterTopics().contains(dlqTopic)) {
            return Uni.createFrom().failure(new InvalidFieldException("topic", "one of " + deadLetterTopics()));
        }
        return Uni.createFrom().item(() -> replayBlocking(dlqTopic, max))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private Replayed replayBlocking(String dlqTopic, int max) {
        Map<String, Integer> byTarget = new TreeMap<>();
        int replayed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(dlqTopic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(dlqTopic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata done = committed.get(tp);
                if (done != null) {
                    consumer.seek(tp, done.offset());
                } else {
                    consumer.seekToBeginning(List.of(tp));
                }
            }
            Map<TopicPartition, OffsetAndMetadata> progress = new HashMap<>();
            while (replayed < max && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (replayed >= max || record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue;
                    }
                    String target = header(record, "dead-letter-topic");
                    if (target == null) {
                        LOG.warnf("Dead letter %s-%d@%d has no dead-letter-topic header; skipped", record.topic(),
                                record.partition(), record.offset());
                    } else {
                        producer.send(new ProducerRecord<>(target, null, record.key(), record.value(), replayHeaders(record)));
                        byTarget.merge(target, 1, Integer::sum);
                        replayed++;
                    }
                    progress.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
            }
            producer.flush();
            consumer.commitSync(progress);
        }
        metrics.counter("consent_dead_letters_replayed_total", "topic", dlqTopic).increment(replayed);
        LOG.infof("Replayed %d dead letters from %s: %s", replayed, dlqTopic, byTarget);
        return new Replayed(dlqTopic, replayed, byTarget);
    }

    private static RecordHeaders replayHeaders(ConsumerRecord<byte[], byte[]> record) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) {
            if (!h.key().startsWith("dead-letter-")) {
                headers.add(h);
            }
        }
        headers.add("replayed-from", (record.topic() + "-" + record.partition() + "@" + record.offset())
                .getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        Header h = record.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return config;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return config;
    }
}
