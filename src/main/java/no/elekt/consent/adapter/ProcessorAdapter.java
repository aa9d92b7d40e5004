package no.elekt.consent.adapter;

import java.util.List;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.events.ProcessorDirective;

/**
 * One processor's integration: carries out directives against the processor's API.
 * <p>
 * Adding a processor: name it in policy.yaml, write one class implementing this interface in
 * {@code adapter/<processor>} whose {@code @Incoming("directives-<processor>")} method hands its records to
 * {@link DirectiveHandler}, and configure that channel (see application.properties). De-duplication, stale work,
 * receipts, dead letters and metrics are the handler's; the adapter only talks to its processor.
 */
public interface ProcessorAdapter {

    /** The processor id of the policy, e.g. {@code mailgun}. */
    String processor();

    /** Whether this deployment runs the adapter ({@code consent.adapters.<processor>.enabled}). */
    boolean enabled();

    /** Settings the adapter cannot work without that are not set, by their environment names. */
    default List<String> missingSettings() {
        return List.of();
    }

    /**
     * Carries out one directive. Expected answers ("already gone") are results; a failure that survived the retry
     * policy fails the Uni and becomes FAILED_PERMANENT with a dead letter.
     */
    Uni<Result> apply(ProcessorDirective directive);

    /**
     * Carries out the directives of one poll, answering one result per directive, in order. By default concurrently
     * across subjects and one after the other within a subject; processors with bulk APIs override it.
     */
    default Uni<List<Result>> applyAll(List<ProcessorDirective> directives) {
        return SubjectLanes.run(directives, ProcessorDirective::getSubjectId,
                d -> apply(d).onFailure().recoverWithItem(Result::failed));
    }
}
