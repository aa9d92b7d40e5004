package no.elekt.consent.adapter;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.tracing.Traces;

/**
 * Publishes receipts on the processor's own consent.receipts.&lt;p&gt;.v1 (its Kafka user may write no other), keyed by
 * subject, and answers once Kafka has acknowledged them.
 */
@ApplicationScoped
public class Receipts {

    private final MutinyEmitter<PropagationReceipt> emitter;

    Receipts(@Channel("adapter-receipts")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2048) MutinyEmitter<PropagationReceipt> emitter) {
        this.emitter = emitter;
    }

    public Uni<Void> publish(PropagationReceipt receipt) {
        return publish(receipt, Context.root());
    }

    /** The same, sent in the trace of its directive (the connector's send span carries it to the core). */
    public Uni<Void> publish(PropagationReceipt receipt, Context trace) {
        Message<PropagationReceipt> message = Message.of(receipt)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withTopic(Policy.receiptTopic(receipt.getProcessor())).withKey(receipt.getSubjectId())
                        .build());
        return emitter.sendMessage(Traces.traced(trace) ? message.addMetadata(TracingMetadata.withCurrent(trace))
                : message);
    }
}
