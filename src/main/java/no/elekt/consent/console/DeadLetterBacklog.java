package no.elekt.consent.console;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import no.elekt.consent.kafka.DeadLetterReplay;

/**
 * How many dead letters each DLQ topic holds, and how many of them wait for a replay (past the replay group's
 * committed offsets), read from Kafka itself: dead letters are written by the adapters' processes too, so a counter
 * of this process would miss them.
 */
@ApplicationScoped
class DeadLetterBacklog {

    /** One DLQ topic: every dead letter it holds, and those not replayed yet. */
    record Count(String topic, long held, long waiting) {
    }

    private static final long TIMEOUT_SECONDS = 5;

    private final Map<String, Object> kafkaConfig;
    private final DeadLetterReplay replay;
    private Admin admin;

    DeadLetterBacklog(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, DeadLetterReplay replay) {
        this.kafkaConfig = kafkaConfig;
        this.replay = replay;
    }

    Uni<List<Count>> counts() {
        return Uni.createFrom().item(this::countBlocking).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private List<Count> countBlocking() {
        try {
            Admin kafka = admin();
            Set<String> existing = kafka.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<String> topics = replay.deadLetterTopics();
            List<TopicPartition> partitions = kafka.describeTopics(topics.stream().filter(existing::contains).toList())
                    .allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                    .toList();
            Map<TopicPartition, Long> earliest = offsets(kafka, partitions, OffsetSpec.earliest());
            Map<TopicPartition, Long> latest = offsets(kafka, partitions, OffsetSpec.latest());
            Map<TopicPartition, OffsetAndMetadata> replayed = kafka
                    .listConsumerGroupOffsets(DeadLetterReplay.GROUP).partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Map<String, long[]> byTopic = new HashMap<>();
            for (TopicPartition tp : partitions) {
                long start = earliest.get(tp);
                long end = latest.get(tp);
                OffsetAndMetadata done = replayed.get(tp);
                long from = done == null ? start : Math.max(start, done.offset());
                long[] sums = byTopic.computeIfAbsent(tp.topic(), t -> new long[2]);
                sums[0] += end - start;
                sums[1] += Math.max(0, end - from);
            }
            return topics.stream().map(t -> {
                long[] sums = byTopic.getOrDefault(t, new long[2]);
                return new Count(t, sums[0], sums[1]);
            }).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while counting dead letters", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer the dead-letter count", e);
        }
    }

    private static Map<TopicPartition, Long> offsets(Admin kafka, List<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException, java.util.concurrent.ExecutionException,
            java.util.concurrent.TimeoutException {
        Map<TopicPartition, ListOffsetsResultInfo> info = kafka
                .listOffsets(partitions.stream().collect(Collectors.toMap(Function.identity(), tp -> spec)))
                .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return info.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> config = new HashMap<>(kafkaConfig);
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    (int) Duration.ofSeconds(TIMEOUT_SECONDS).toMillis());
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, "consent-console");
            admin = Admin.create(config);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
