package no.elekt.consent.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.problem.ProblemException;

/**
 * The replay loop on Kafka's own mock clients: where a dead letter goes, when its offset is committed, how far a call
 * goes. The same loop runs against the real broker in propagation/DeadLetterReplayTest.
 */
@Tag("unit")
class DeadLetterReplayLoopTest {

    static final String DLQ = "consent.directives.eliq.v1.dlq";
    static final TopicPartition PARTITION = new TopicPartition(DLQ, 0);

    final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");

    /** Acknowledges every send but the one at {@code failAt} (0-based), which Kafka never acknowledges. */
    static MockProducer<byte[], byte[]> producer(int failAt) {
        return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            int sends;

            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
                if (sends++ == failAt) {
                    return CompletableFuture.failedFuture(new TimeoutException("not acknowledged"));
                }
                return super.send(record, callback);
            }
        };
    }

    void deadLetters(int count, Map<String, String> headers) {
        consumer.updatePartitions(DLQ, List.of(new PartitionInfo(DLQ, 0, null, null, null)));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, (long) count));
        consumer.schedulePollTask(() -> {
            for (int i = 0; i < count; i++) {
                RecordHeaders h = new RecordHeaders();
                headers.forEach((k, v) -> h.add(k, v.getBytes(StandardCharsets.UTF_8)));
                consumer.addRecord(new ConsumerRecord<>(DLQ, 0, i, 0L, TimestampType.CREATE_TIME, 0, 0,
                        ("key-" + i).getBytes(StandardCharsets.UTF_8), ("value-" + i).getBytes(StandardCharsets.UTF_8),
                        h, java.util.Optional.empty()));
            }
        });
    }

    long committed() {
        OffsetAndMetadata done = consumer.committed(Set.of(PARTITION)).get(PARTITION);
        return done == null ? 0 : done.offset();
    }

    @Test
    void aDeadLetterGoesToItsDlqsSourceTopicWhateverItsHeadersName() {
        deadLetters(1, Map.of("dead-letter-topic", "consent.changes.v1", "dead-letter-reason", "x", "trace", "t1"));
        MockProducer<byte[], byte[]> producer = producer(-1);

        DeadLetterReplay.Replayed replayed = DeadLetterReplay.replay(consumer, producer, DLQ, 10,
                Duration.ofSeconds(1));

        assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("consent.directives.eliq.v1");
        assertThat(producer.history().get(0).headers().lastHeader("dead-letter-topic")).isNull();
        assertThat(producer.history().get(0).headers().lastHeader("trace")).isNotNull();
        assertThat(replayed).isEqualTo(new DeadLetterReplay.Replayed(DLQ, "consent.directives.eliq.v1", 1, 0, false));
        assertThat(committed()).isEqualTo(1);
    }

    @Test
    void aSendKafkaDoesNotAcknowledgeStopsTheCallAndIsNotCommitted() {
        deadLetters(3, Map.of());
        MockProducer<byte[], byte[]> producer = producer(1);

        assertThatThrownBy(() -> DeadLetterReplay.replay(consumer, producer, DLQ, 10, Duration.ofSeconds(1)))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("Replayed 1 dead letters")
                .hasMessageContaining(DLQ + "-0@1");
        // the first was acknowledged and committed; the second and the third stay to be replayed
        assertThat(committed()).isEqualTo(1);
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void aCallSendsAtMostItsMaxAndSaysHowManyAreLeft() {
        deadLetters(5, Map.of());
        MockProducer<byte[], byte[]> producer = producer(-1);

        DeadLetterReplay.Replayed replayed = DeadLetterReplay.replay(consumer, producer, DLQ, 2, Duration.ofSeconds(1));

        assertThat(replayed.replayed()).isEqualTo(2);
        assertThat(replayed.remaining()).isEqualTo(3);
        assertThat(replayed.more()).isTrue();
        assertThat(producer.history()).hasSize(2);
        assertThat(committed()).isEqualTo(2);
    }
}
