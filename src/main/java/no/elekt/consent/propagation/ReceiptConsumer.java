package no.elekt.consent.propagation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.kafka.DeadLetters;
import no.elekt.consent.kafka.RegistryDecoder;
import no.elekt.consent.lanes.OverlappingPolls;
import no.elekt.consent.lanes.PollHandover;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.Failures;
import no.elekt.consent.problem.TransientRetry;

/**
 * Receipts from the adapters, each on its own consent.receipts.&lt;p&gt;.v1, each poll in one transaction. The topic
 * says which adapter sent a receipt (only that adapter's Kafka user may write it), and a receipt closes only a
 * propagation of that processor. An unreadable receipt, one for an unknown directive, or one from another processor's
 * adapter is dead-lettered as it arrived, with the reason; a database or Kafka outage is retried, so no receipt is
 * lost. The next poll is taken while earlier ones are still being recorded, up to
 * {@code consent.core.receipt-polls-in-flight}, a subject's polls in order ({@link OverlappingPolls}: the adapters key
 * each receipt by its subject), so a receipt does not wait for the commit of a poll of other subjects. Each poll is
 * acknowledged once it is recorded, and the connector commits offsets only up to the oldest poll not yet acknowledged;
 * a poll whose partition Kafka gave to another owner meanwhile is not ({@link PollHandover}).
 */
@ApplicationScoped
public class ReceiptConsumer {

    private static final Logger LOG = Logger.getLogger(ReceiptConsumer.class);
    private static final String CAUSE = "core receipt tracker";

    private final PropagationTracker tracker;
    private final DeadLetters deadLetters;
    private final RegistryDecoder<PropagationReceipt> decoder;
    private final TransientRetry retry;
    private final PollHandover handover;
    private final OverlappingPolls polls;

    ReceiptConsumer(PropagationTracker tracker, DeadLetters deadLetters, Config config, TransientRetry retry,
            @Identifier(PollHandover.NAME) PollHandover handover, MeterRegistry metrics,
            @ConfigProperty(name = "consent.core.receipt-polls-in-flight", defaultValue = "4") int pollsInFlight) {
        this.tracker = tracker;
        this.deadLetters = deadLetters;
        this.retry = retry;
        this.handover = handover;
        this.decoder = new RegistryDecoder<>(config, PropagationReceipt.class);
        this.polls = new OverlappingPolls(pollsInFlight);
        Gauge.builder("consent_receipt_polls_in_flight", polls, OverlappingPolls::running)
                .description("Receipt polls taken in and not yet acknowledged").register(metrics);
    }

    @Incoming("consent-receipts")
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        PollHandover.Poll taken = handover.taken(batch);
        try {
            @SuppressWarnings("unchecked")
            ConsumerRecords<String, byte[]> records = batch.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                    .orElseThrow().getRecords();
            List<String> subjects = new ArrayList<>();
            records.forEach(r -> {
                if (r.key() != null) {
                    subjects.add(r.key());
                }
            });
            // decoding may ask the registry for a schema (blocking, once per schema): not on the event loop
            return polls.submit(subjects, taken.settled(() -> Uni.createFrom().item(() -> decodeAll(records))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    .chain(this::record), "receipts"));
        } catch (RuntimeException unforeseen) {
            return taken.settled(() -> Uni.createFrom().failure(unforeseen), "receipts");
        }
    }

    /** A poll: the readable receipts with their records, in order; the rest with the reason. */
    private record Poll(Map<ConsumerRecord<String, byte[]>, PropagationTracker.Arrived> receipts,
            Map<ConsumerRecord<String, byte[]>, String> unreadable) {
    }

    private Poll decodeAll(ConsumerRecords<String, byte[]> records) {
        Poll decoded = new Poll(new LinkedHashMap<>(), new LinkedHashMap<>());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                decoded.receipts().put(record, new PropagationTracker.Arrived(
                        Policy.processorOfReceiptTopic(record.topic()), decoder.decode(record)));
            } catch (IllegalArgumentException e) {
                decoded.unreadable().put(record, e.getMessage());
            }
        }
        return decoded;
    }

    private Uni<Void> record(Poll decoded) {
        List<PropagationTracker.Arrived> receipts = new ArrayList<>(decoded.receipts().values());
        // a failure that is not the database being away fails the poll, and the connector dead-letters it
        return retry.retried("receipts", Failures::isTransient, () -> tracker.applyAll(receipts))
                .onFailure().invoke(e -> LOG.errorf("A poll of %d receipts could not be recorded and goes to the "
                        + "dead-letter topic: %s", receipts.size(), e.toString()))
                .chain(refused -> {
                    Map<ConsumerRecord<String, byte[]>, String> rejected = new LinkedHashMap<>(decoded.unreadable());
                    decoded.receipts().forEach((record, receipt) -> {
                        if (refused.containsKey(receipt)) {
                            rejected.put(record, refused.get(receipt));
                        }
                    });
                    return deadLetters.sendAll(rejected, CAUSE);
                });
    }

    @PreDestroy
    void close() {
        decoder.close();
    }

}
