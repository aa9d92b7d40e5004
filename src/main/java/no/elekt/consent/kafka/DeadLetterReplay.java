package no.elekt.consent.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.ProblemException;

/**
 * Sends the dead letters of a DLQ back to that DLQ's own source topic ({@code <topic>.dlq} to {@code <topic>}), byte
 * for byte, once ops have fixed the cause. The headers a record carries never choose where it goes. Each send is
 * acknowledged by Kafka before its offset is committed in the consent-core-replay group, so a dead letter is never
 * skipped, and a failing send stops the call with what was done kept. A call sends at most
 * {@code consent.dead-letters.replay.max-per-call} and says how many are left.
 */
@ApplicationScoped
public class DeadLetterReplay {

    private static final Logger LOG = Logger.getLogger(DeadLetterReplay.class);
    public static final String GROUP = "consent-core-replay";
    private static final String DLQ = ".dlq";

    /** What a call sent back, from where to where, and how many dead letters are left after it. */
    public record Replayed(String topic, String target, int replayed, long remaining, boolean more) {
    }

    private final Map<String, Object> kafkaConfig;
    private final Policy policy;
    private final MeterRegistry metrics;
    private final ReplayConfig config;
    /** The app backends' intake topics (ledger/IntakeChannels). */
    private final List<String> intakeTopics;

    DeadLetterReplay(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, Policy policy,
            MeterRegistry metrics, ReplayConfig config, Config channels) {
        this.kafkaConfig = kafkaConfig;
        this.intakeTopics = channels.getOptionalValues("mp.messaging.incoming.consent-change-requests.topics",
                String.class).orElse(List.of());
        this.policy = policy;
        this.metrics = metrics;
        this.config = config;
    }

    public List<String> deadLetterTopics() {
        List<String> topics = new ArrayList<>();
        intakeTopics.forEach(t -> topics.add(t + DLQ));
        policy.processors().keySet().forEach(p -> topics.add(Policy.directiveTopic(p) + DLQ));
        policy.processors().keySet().forEach(p -> topics.add(Policy.receiptTopic(p) + DLQ));
        return topics;
    }

    /** {@code max} null: the configured most per call. */
    public Uni<Replayed> replay(String dlqTopic, Integer max) {
        if (dlqTopic == null || !deadLetterTopics().contains(dlqTopic)) {
            return Uni.createFrom().failure(new InvalidFieldException("topic", "one of " + deadLetterTopics()));
        }
        int limit = max == null ? config.maxPerCall() : max;
        if (limit < 1 || limit > config.maxPerCall()) {
            return Uni.createFrom().failure(new InvalidFieldException("max", "from 1 to " + config.maxPerCall()));
        }
        return Uni.createFrom().item(() -> {
            try (Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
                    Producer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                return replay(consumer, producer, dlqTopic, limit, config.sendTimeout());
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .invoke(r -> metrics.counter("consent_dead_letters_replayed_total", "topic", dlqTopic)
                        .increment(r.replayed()));
    }

    /** The replay itself, on clients the caller owns (blocking). */
    static Replayed replay(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, String dlqTopic,
            int max, Duration sendTimeout) {
        String target = dlqTopic.substring(0, dlqTopic.length() - DLQ.length());
        List<TopicPartition> partitions = consumer.partitionsFor(dlqTopic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(dlqTopic, p.partition())).toList();
        consumer.assign(partitions);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        for (TopicPartition tp : partitions) {
            if (committed.get(tp) != null) {
                consumer.seek(tp, committed.get(tp).offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
        // where each partition's replay stands: the offset of the next dead letter to send
        Map<TopicPartition, Long> next = new HashMap<>();
        partitions.forEach(tp -> next.put(tp, consumer.position(tp)));
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        int replayed = 0;
        // a broker that stops answering ends the call (what was sent stays committed), it does not hang it
        long idleUntil = System.nanoTime() + sendTimeout.toNanos();
        while (replayed < max && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                && System.nanoTime() < idleUntil) {
            var records = consumer.poll(Duration.ofMillis(200));
            if (!records.isEmpty()) {
                idleUntil = System.nanoTime() + sendTimeout.toNanos();
            }
            for (ConsumerRecord<byte[], byte[]> record : records) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (replayed >= max || record.offset() < next.get(tp) || record.offset() >= end.get(tp)) {
                    continue;
                }
                try {
                    producer.send(new ProducerRecord<>(target, null, record.key(), record.value(),
                            replayHeaders(record))).get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw stopped(dlqTopic, target, replayed, record,
                            e instanceof ExecutionException ? e.getCause() : e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw stopped(dlqTopic, target, replayed, record, e);
                }
                // acknowledged by Kafka: only now is the dead letter done
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(record.offset() + 1)));
                next.put(tp, record.offset() + 1);
                replayed++;
            }
        }
        Map<TopicPartition, Long> endNow = consumer.endOffsets(partitions);
        long remaining = partitions.stream().mapToLong(tp -> Math.max(0, endNow.get(tp) - next.get(tp))).sum();
        LOG.infof("Replayed %d dead letters from %s to %s; %d left", replayed, dlqTopic, target, remaining);
        return new Replayed(dlqTopic, target, replayed, remaining, remaining > 0);
    }

    private static ProblemException stopped(String dlqTopic, String target, int replayed,
            ConsumerRecord<byte[], byte[]> record, Throwable cause) {
        LOG.warnf("Replay of %s stopped at %s-%d@%d: %s", dlqTopic, record.topic(), record.partition(),
                record.offset(), cause.toString());
        return new ProblemException(503, "Replay stopped", "Replayed " + replayed + " dead letters from " + dlqTopic
                + " to " + target + ", then Kafka did not acknowledge the next (" + record.topic() + "-"
                + record.partition() + "@" + record.offset() + ": " + cause.getClass().getSimpleName()
                + "); it and those after it stay in the dead-letter topic: call again");
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

    private Map<String, Object> consumerConfig() {
        Map<String, Object> consumer = new HashMap<>(kafkaConfig);
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // a call reads no further than it may send
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        return consumer;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> producer = new HashMap<>(kafkaConfig);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return producer;
    }
}
