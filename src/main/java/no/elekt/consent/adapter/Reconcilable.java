package no.elekt.consent.adapter;

import java.util.List;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.events.DirectiveAction;

/**
 * A processor whose state can be read back in full, so {@link Reconciliation} can compare it with what its adapter
 * last applied. Adding a processor with a read API: implement this in its package and schedule
 * {@link Reconciliation#run(Reconcilable)} in its role.
 */
public interface Reconcilable {

    String processor();

    /** The identifier type the processor holds subjects by (e.g. email). */
    String identifierType();

    /** Reads everything the processor holds that the comparison needs (paged, within the processor's rate limit). */
    Uni<Holdings> readHoldings();

    /** What the processor holds. */
    interface Holdings {
        /**
         * How what the processor holds for one subject's purpose differs from the action applied last, or null when
         * it agrees. Words of our code only, never an identifier.
         */
        Drift compare(String purpose, DirectiveAction applied, List<String> identifierValues);
    }

    record Drift(String expected, String found) {
    }
}
