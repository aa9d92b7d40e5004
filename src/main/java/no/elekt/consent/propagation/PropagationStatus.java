package no.elekt.consent.propagation;

/** Where a propagation stands. PENDING until a receipt closes it; FAILED stays open for ops to retry. */
public enum PropagationStatus {
    PENDING, CONFIRMED, NOT_APPLICABLE, SUPERSEDED, AWAITING_MANUAL, FAILED;

    public boolean isOpen() {
        return this == PENDING || this == AWAITING_MANUAL || this == FAILED;
    }
}
