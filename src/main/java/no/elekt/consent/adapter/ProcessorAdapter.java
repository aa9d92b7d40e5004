package no.elekt.consent.adapter;

import java.util.List;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.lanes.SubjectLanes;

/**
 * One processor's integration: its code only. Consuming its topic, de-duplication, stale work, deletions, receipts,
 * dead letters and metrics are the shell's ({@link DirectiveConsumer}, {@link DirectiveHandler}); an adapter is a CDI
 * bean implementing this interface in {@code adapter/<processor>}, switched on by
 * {@code consent.adapters.<processor>.enabled}.
 */
public interface ProcessorAdapter {

    /** The processor id of the policy, e.g. {@code mailgun}; its topic is consent.directives.&lt;id&gt;.v1. */
    String processor();

    /** Settings the adapter cannot work without that are not set, by their environment names. */
    default List<String> missingSettings() {
        return List.of();
    }

    /**
     * What the adapter checks at the processor before it consumes (credentials, scopes, region, the resources it
     * writes to). Fails with a {@link StartupCheckFailed} naming the setting when the processor refuses; a transient
     * failure ({@link CallFailure#retryable()}) is tried again later.
     */
    default Uni<Void> checkAtStart() {
        return Uni.createFrom().voidItem();
    }

    /**
     * Carries out one directive. Expected answers ("already gone") are results; a failure that survived the retries
     * fails the Uni and becomes FAILED_PERMANENT with a dead letter.
     */
    Uni<DirectiveResult> apply(ProcessorDirective directive);

    /**
     * Carries out the directives of one poll, answering one result per directive, in order. By default concurrently
     * across subjects and one after the other within a subject; processors with bulk APIs override it.
     */
    default Uni<List<DirectiveResult>> applyAll(List<ProcessorDirective> directives) {
        return SubjectLanes.run(directives, ProcessorDirective::getSubjectId,
                d -> apply(d).onFailure().recoverWithItem(DirectiveResult::failed));
    }
}
