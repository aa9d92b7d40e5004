package no.elekt.consent.adapter;

import java.util.List;

/**
 * Whether a directive's effect was read back at the processor: {@code VERIFIED} (every read-back the processor
 * allows agreed, the evidence lists them) or {@code ACCEPTED_UNVERIFIED} (the processor accepted the call and offers
 * no way to read its state back, the note says which). {@code NOT_RECORDED}: nothing to verify (no call was made).
 */
public record ProofOfEffect(Status status, String note, List<Evidence> evidence) {

    public enum Status {
        NOT_RECORDED, VERIFIED, ACCEPTED_UNVERIFIED
    }

    public static final ProofOfEffect NONE = new ProofOfEffect(Status.NOT_RECORDED, null, List.of());

    public static ProofOfEffect verified(List<Evidence> evidence) {
        return new ProofOfEffect(Status.VERIFIED, null, List.copyOf(evidence));
    }

    public static ProofOfEffect unverified(String why, List<Evidence> evidence) {
        return new ProofOfEffect(Status.ACCEPTED_UNVERIFIED, why, List.copyOf(evidence));
    }

    /** Both: verified only if both are; evidence and notes kept. */
    public ProofOfEffect and(ProofOfEffect other) {
        if (status == Status.NOT_RECORDED) {
            return other;
        }
        if (other.status == Status.NOT_RECORDED) {
            return this;
        }
        List<Evidence> all = new java.util.ArrayList<>(evidence);
        all.addAll(other.evidence);
        boolean bothVerified = status == Status.VERIFIED && other.status == Status.VERIFIED;
        String notes = note == null ? other.note : other.note == null || other.note.equals(note) ? note
                : note + "; " + other.note;
        return new ProofOfEffect(bothVerified ? Status.VERIFIED : Status.ACCEPTED_UNVERIFIED,
                bothVerified ? null : notes, all);
    }
}
