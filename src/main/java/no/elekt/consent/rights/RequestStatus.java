package no.elekt.consent.rights;

import java.util.Collection;

import no.elekt.consent.propagation.PropagationStatus;

/** Where a rights request stands, rolled up from its propagations (all of them, or those at one processor). */
public enum RequestStatus {
    /** Some propagation failed for good: ops must retry it. */
    FAILED,
    /** Some processor has not answered yet. */
    IN_PROGRESS,
    /** Everything else is done; a processor without an API awaits ops' confirmation. */
    AWAITING_MANUAL,
    /** Every propagation confirmed, not applicable, or superseded by a newer change. */
    COMPLETED;

    public static RequestStatus of(Collection<PropagationStatus> statuses) {
        if (statuses.contains(PropagationStatus.FAILED)) {
            return FAILED;
        }
        if (statuses.contains(PropagationStatus.PENDING)) {
            return IN_PROGRESS;
        }
        if (statuses.contains(PropagationStatus.AWAITING_MANUAL)) {
            return AWAITING_MANUAL;
        }
        return COMPLETED;
    }
}
