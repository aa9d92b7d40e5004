package no.elekt.consent.propagation;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.problem.Failures;
import no.elekt.consent.problem.InvalidFieldException;

/**
 * Receipts from the adapters, on consent.receipts.v1. An unreadable receipt or one for an unknown directive is
 * dead-lettered; a database outage is retried, so no receipt is lost.
 */
@ApplicationScoped
public class ReceiptConsumer {

    private static final Logger LOG = Logger.getLogger(ReceiptConsumer.class);

    private final PropagationTracker tracker;

    ReceiptConsumer(PropagationTracker tracker) {
        this.tracker = tracker;
    }

    @Incoming("consent-receipts")
    public Uni<Void> consume(PropagationReceipt receipt) {
        if (receipt == null) {
            return Uni.createFrom().failure(new InvalidFieldException("value", "not a PropagationReceipt"));
        }
        return tracker.apply(receipt)
                .onFailure(Failures::isTransient).invoke(e ->
                        LOG.warnf("Receipt for directive %s not recorded yet, retrying: %s", receipt.getDirectiveId(), e))
                .onFailure(Failures::isTransient).retry()
                        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).indefinitely()
                .replaceWithVoid();
    }
}
