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
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.kafka.DeadLetters;
import no.elekt.consent.kafka.RegistryDecoder;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.Failures;
import no.elekt.consent.problem.TransientRetry;

/**
 * Receipts from the adapters, each on its own consent.receipts.&lt;p&gt;.v1, a poll at a time in one transaction. The
 * topic says which adapter sent a receipt (only that adapter's Kafka user may write it), and a receipt closes only a
 * propagation of that processor. An unreadable receipt, one for an unknown directive, or one from another processor's
 * adapter is dead-lettered as it arrived, with the reason; a database or Kafka outage is retried, so no receipt
 * is lost. The offsets are committed only once the poll is recorded.
 */
@ApplicationScoped
public class ReceiptConsumer {

    private static final Logger LOG = Logger.getLogger(ReceiptConsumer.class);
    private static final String CAUSE = "core receipt tracker";

    private final PropagationTracker tracker;
    private final DeadLetters deadLetters;
    private final RegistryDecoder<PropagationReceipt> decoder;
    private final TransientRetry retry;

    ReceiptConsumer(PropagationTracker tracker, DeadLetters deadLetters, Config config, TransientRetry retry) {
        this.tracker = tracker;
        this.deadLetters = deadLetters;
        this.retry = retry;
        this.decoder = new RegistryDecoder<>(config, PropagationReceipt.class);
    }

    @Incoming("consent-receipts")
    public Uni<Void> consume(ConsumerRecords<String, byte[]> records) {
        // decoding may ask the registry for a schema (blocking, once per schema): not on the event loop
        return Uni.createFrom().item(() -> decodeAll(records))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(this::record);
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
