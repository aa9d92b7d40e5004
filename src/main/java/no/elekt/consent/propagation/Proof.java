package no.elekt.consent.propagation;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonValue;

import no.elekt.consent.events.PropagationReceipt;

/**
 * How far a propagation's effect at the processor is proven: a processor that took the call is not yet a processor
 * that honoured it. {@code verification} is null while nothing was recorded (open, closed without a call, or a
 * receipt from an adapter before proof of effect).
 */
public record Proof(Verification verification, String note, List<Check> evidence) {

    /** The API's words: "verified" (read back, and it agrees) or "accepted-unverified" (see the note for why). */
    public enum Verification {
        VERIFIED("verified"), ACCEPTED_UNVERIFIED("accepted-unverified");

        private final String word;

        Verification(String word) {
            this.word = word;
        }

        @JsonValue
        public String word() {
            return word;
        }
    }

    /** One read-back: what was checked (an operation and a path template), when, and the processor's answer. */
    public record Check(String check, Instant checkedAt, String answer) {
    }

    /** How the API describes a propagation's proof, wherever it shows one. */
    public static final String DESCRIPTION = "Whether the effect was read back at the processor: verification "
            + "'verified' (the read-back agrees, see evidence) or 'accepted-unverified' (the processor took the call, "
            + "or ops confirmed it by hand; the note says why nothing was read back); null while nothing was "
            + "recorded (open, or closed without a call)";

    public static final Proof NONE = new Proof(null, null, List.of());

    static final Proof BY_HAND = new Proof(Verification.ACCEPTED_UNVERIFIED,
            "confirmed by hand by ops: the processor answers by e-mail and offers no read-back", List.of());

    /**
     * What a receipt says of the status it leads to. Only a CONFIRMED propagation is verified or accepted: a receipt
     * that leaves it open or failed (awaiting ops, a read-back that contradicted the call) keeps its evidence and note
     * but claims nothing.
     */
    static Proof of(PropagationReceipt receipt, PropagationStatus status) {
        Verification verification = status != PropagationStatus.CONFIRMED ? null
                : switch (receipt.getVerification()) {
                    case VERIFIED -> Verification.VERIFIED;
                    case ACCEPTED_UNVERIFIED -> Verification.ACCEPTED_UNVERIFIED;
                    case NOT_RECORDED -> null;
                };
        List<Check> evidence = receipt.getEvidence().stream()
                .map(e -> new Check(e.getCheck(), e.getCheckedAt(), e.getAnswer())).toList();
        return new Proof(verification, receipt.getVerificationNote(), evidence);
    }
}
