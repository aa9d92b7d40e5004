package no.elekt.consent.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import no.elekt.consent.problem.TransientRetry;

/**
 * Sends a record that could not be handled (a directive an adapter could not carry out, an unreadable receipt) to
 * {@code <topic>.dlq}, as the bytes it arrived as, with the reason in headers (the names SmallRye's own dead-letter
 * strategy uses), so ops can see it and replay it.
 */
@ApplicationScoped
public class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final MutinyEmitter<byte[]> emitter;
    private final MeterRegistry metrics;
    private final TransientRetry retry;

    DeadLetters(
            @Channel("dead-letters")
            @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024) MutinyEmitter<byte[]> emitter,
            MeterRegistry metrics, TransientRetry retry) {
        this.emitter = emitter;
        this.metrics = metrics;
        this.retry = retry;
    }

    /** {@code cause} names who gave up on the record, e.g. "adapter mailgun". */
    public Uni<Void> send(ConsumerRecord<String, byte[]> record, String cause, String reason) {
        String topic = record.topic() + ".dlq";
        RecordHeaders headers = new RecordHeaders();
        header(headers, "dead-letter-reason", reason);
        header(headers, "dead-letter-cause", cause);
        header(headers, "dead-letter-topic", record.topic());
        header(headers, "dead-letter-partition", Integer.toString(record.partition()));
        header(headers, "dead-letter-offset", Long.toString(record.offset()));
        record.headers().forEach(h -> {
            if (!h.key().startsWith("dead-letter-")) {
                headers.add(h);
            }
        });
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(topic).withKey(record.key()).withHeaders(headers).build();
        byte[] value = record.value() == null ? new byte[0] : record.value();
        return emitter.sendMessage(Message.of(value).addMetadata(metadata))
                .invoke(() -> {
                    metrics.counter("consent_dead_letters", "topic", topic).increment();
                    LOG.warnf("Dead-lettered %s-%d@%d to %s: %s", record.topic(), record.partition(), record.offset(),
                            topic, reason);
                });
    }

    /**
     * Dead-letters the records in order, each with its reason; Kafka being away is retried with backoff within the
     * retry budget, so a rejected record is never dropped: the consumer's offsets wait for it, and past the budget
     * the poll fails to the channel's own dead-letter strategy.
     */
    public Uni<Void> sendAll(Map<ConsumerRecord<String, byte[]>, String> rejected, String cause) {
        return Multi.createFrom().iterable(rejected.entrySet())
                .onItem().transformToUniAndConcatenate(e -> retry.retried("dead-lettering", failure -> true,
                        () -> send(e.getKey(), cause, e.getValue())))
                .collect().last().replaceWithVoid();
    }

    private static void header(RecordHeaders headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
