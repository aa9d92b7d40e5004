package no.elekt.consent.adapter;

import java.util.List;

import no.elekt.consent.events.ReceiptOutcome;

/**
 * What an adapter made of one directive: the receipt's outcome and a detail for ops.
 * The detail is written by our code only, never from an identifier or a processor's answer.
 */
public record Result(ReceiptOutcome outcome, String detail, int attempts) {

    public static Result applied(String detail) {
        return new Result(ReceiptOutcome.APPLIED, detail, 1);
    }

    public static Result alreadyApplied(String detail) {
        return new Result(ReceiptOutcome.ALREADY_APPLIED, detail, 1);
    }

    public static Result notApplicable(String detail) {
        return new Result(ReceiptOutcome.NOT_APPLICABLE, detail, 1);
    }

    public static Result awaitingManual(String detail) {
        return new Result(ReceiptOutcome.AWAITING_MANUAL, detail, 1);
    }

    public static Result superseded(String detail) {
        return new Result(ReceiptOutcome.SUPERSEDED, detail, 0);
    }

    /** A failure as a result: the reason of a {@link CallFailure}, or only the type of anything unexpected. */
    public static Result failed(Throwable failure) {
        if (failure instanceof CallFailure call) {
            return new Result(ReceiptOutcome.FAILED_PERMANENT, call.getMessage(), call.attempts());
        }
        return new Result(ReceiptOutcome.FAILED_PERMANENT, "unexpected " + failure.getClass().getSimpleName(), 1);
    }

    /**
     * Sums up the effects of the calls made for one directive: nothing to do is NOT_APPLICABLE, all "already done"
     * is ALREADY_APPLIED, anything changed is APPLIED.
     */
    public static Result of(List<Effect> effects, String whatWasDone, String nothingToDo) {
        if (effects.isEmpty()) {
            return notApplicable(nothingToDo);
        }
        return effects.stream().allMatch(e -> e == Effect.ALREADY_APPLIED)
                ? alreadyApplied(whatWasDone + " (already done at the processor)")
                : applied(whatWasDone);
    }

    /**
     * A deletion carried out after a newer grant was applied, followed by that grant again (so the deletion does not
     * undo it): the deletion's outcome, unless restoring the grant failed.
     */
    public Result thenRestored(Result grant, long version) {
        if (failed()) {
            return this;
        }
        if (grant.failed()) {
            return new Result(ReceiptOutcome.FAILED_PERMANENT, detail + "; then applying the newer grant (version "
                    + version + ") again failed: " + grant.detail(), attempts + grant.attempts());
        }
        return new Result(outcome, detail + "; then the newer grant (version " + version + ") applied again",
                attempts);
    }

    public boolean failed() {
        return outcome == ReceiptOutcome.FAILED_PERMANENT;
    }

    /** Whether the directive's versions now count as applied, so older directives are superseded. */
    public boolean settlesVersion() {
        return !failed() && outcome != ReceiptOutcome.SUPERSEDED;
    }
}
