package no.elekt.consent.adapter;

import java.util.List;

import no.elekt.consent.events.ReceiptOutcome;

/**
 * What carrying out one directive came to: the receipt's outcome, a detail for ops, the attempts it took, and
 * whether the effect was read back at the processor ({@link ProofOfEffect}, with its evidence). Details and evidence
 * are written by our code only, never from an identifier or a processor's free text.
 */
public record DirectiveResult(ReceiptOutcome outcome, String detail, int attempts, ProofOfEffect proof) {

    public DirectiveResult(ReceiptOutcome outcome, String detail, int attempts) {
        this(outcome, detail, attempts, ProofOfEffect.NONE);
    }

    public static DirectiveResult applied(String detail) {
        return new DirectiveResult(ReceiptOutcome.APPLIED, detail, 1);
    }

    public static DirectiveResult alreadyApplied(String detail) {
        return new DirectiveResult(ReceiptOutcome.ALREADY_APPLIED, detail, 1);
    }

    public static DirectiveResult notApplicable(String detail) {
        return new DirectiveResult(ReceiptOutcome.NOT_APPLICABLE, detail, 1);
    }

    public static DirectiveResult awaitingManual(String detail) {
        return new DirectiveResult(ReceiptOutcome.AWAITING_MANUAL, detail, 1);
    }

    public static DirectiveResult superseded(String detail) {
        return new DirectiveResult(ReceiptOutcome.SUPERSEDED, detail, 0);
    }

    /**
     * A failure as a result: the reason of a {@link CallFailure} (with the evidence of a read-back that contradicted
     * the call), or only the type of anything unexpected.
     */
    public static DirectiveResult failed(Throwable failure) {
        if (failure instanceof CallFailure call) {
            ProofOfEffect proof = call.evidence() == null ? ProofOfEffect.NONE
                    : ProofOfEffect.unverified("a read-back contradicted the call", List.of(call.evidence()));
            return new DirectiveResult(ReceiptOutcome.FAILED_PERMANENT, call.getMessage(), call.attempts(),
                    proof);
        }
        return new DirectiveResult(ReceiptOutcome.FAILED_PERMANENT, "unexpected " + failure.getClass().getSimpleName(),
                1);
    }

    /**
     * The adapter's own record of the directive was refused for good (a value too long for its column, a
     * constraint): whatever the call did, the directive cannot be accounted for, so it fails for ops to see.
     */
    public static DirectiveResult refusedBookkeeping(Throwable refusal) {
        String sqlState = refusal instanceof io.vertx.pgclient.PgException pg ? " (SQLSTATE " + pg.getSqlState() + ")"
                : "";
        return new DirectiveResult(ReceiptOutcome.FAILED_PERMANENT, "the receipt could not be recorded: "
                + refusal.getClass().getSimpleName() + sqlState, 1);
    }

    /**
     * Sums up the effects of the calls made for one directive: nothing to do is NOT_APPLICABLE, all "already done"
     * is ALREADY_APPLIED, anything changed is APPLIED.
     */
    public static DirectiveResult of(List<Effect> effects, String whatWasDone, String nothingToDo) {
        if (effects.isEmpty()) {
            return notApplicable(nothingToDo);
        }
        return effects.stream().allMatch(e -> e == Effect.ALREADY_APPLIED)
                ? alreadyApplied(whatWasDone + " (already done at the processor)")
                : applied(whatWasDone);
    }

    /** The same result, with how its effect was (or could not be) read back. */
    public DirectiveResult with(ProofOfEffect proof) {
        return new DirectiveResult(outcome, detail, attempts, proof);
    }

    /**
     * A deletion carried out after a newer grant was applied, followed by that grant again (so the deletion does not
     * undo it): the deletion's outcome, unless restoring the grant failed.
     */
    public DirectiveResult thenRestored(DirectiveResult grant, long version) {
        if (failed()) {
            return this;
        }
        if (grant.failed()) {
            return new DirectiveResult(ReceiptOutcome.FAILED_PERMANENT, detail + "; then applying the newer grant "
                    + "(version " + version + ") again failed: " + grant.detail(), attempts + grant.attempts(),
                    proof);
        }
        return new DirectiveResult(outcome, detail + "; then the newer grant (version " + version + ") applied again",
                attempts, proof);
    }

    public boolean failed() {
        return outcome == ReceiptOutcome.FAILED_PERMANENT;
    }

    /** Whether the directive's versions now count as applied, so older directives are superseded. */
    public boolean settlesVersion() {
        return !failed() && outcome != ReceiptOutcome.SUPERSEDED;
    }
}
