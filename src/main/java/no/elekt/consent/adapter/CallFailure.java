package no.elekt.consent.adapter;

import java.time.Duration;
import java.util.Optional;

/**
 * A processor call that did not succeed. The message is safe for logs and receipts: it names the processor's
 * operation, status and documented error code, never an identifier (URLs of processor calls contain e-mail
 * addresses and tokens, and processors echo them in their messages).
 */
public class CallFailure extends RuntimeException {

    public enum Kind {
        /** Worth another try: 5xx, 429, a quota refusal, timeouts, broken connections. */
        RETRYABLE,
        /** The processor refused the credentials (401, or a 403 that is not a quota): ops must see it. */
        AUTHENTICATION,
        /** Any other refusal: retrying the same request cannot help. */
        PERMANENT
    }

    /** Why a transient failure happened, for the retry metric. */
    public enum Reason {
        SERVER_ERROR, TOO_MANY_REQUESTS, QUOTA, TIMEOUT, CONNECTION, BREAKER_OPEN, CONTRADICTED, FINAL
    }

    private final Kind kind;
    private final Reason reason;
    private final Duration retryAfter;
    private final int attempts;
    private final Evidence evidence;

    public CallFailure(Kind kind, String message, Duration retryAfter) {
        this(kind, kind == Kind.RETRYABLE ? Reason.SERVER_ERROR : Reason.FINAL, message, retryAfter, 1, null);
    }

    private CallFailure(Kind kind, Reason reason, String message, Duration retryAfter, int attempts,
            Evidence evidence) {
        super(message, null, false, false);
        this.kind = kind;
        this.reason = reason;
        this.retryAfter = retryAfter;
        this.attempts = attempts;
        this.evidence = evidence;
    }

    /**
     * A read-back that contradicts the call just made: transient (a processor's state may lag its answer, Mailgun
     * says so of its 404s), retried, and if it persists final, with the evidence for ops.
     */
    public static CallFailure contradicted(String message, Evidence evidence) {
        return new CallFailure(Kind.RETRYABLE, Reason.CONTRADICTED, message, null, 1, evidence);
    }

    public static CallFailure transientFailure(Reason reason, String message, Duration retryAfter) {
        return new CallFailure(Kind.RETRYABLE, reason, message, retryAfter, 1, null);
    }

    public static CallFailure retryable(String message) {
        return transientFailure(Reason.SERVER_ERROR, message, null);
    }

    public static CallFailure permanent(String message) {
        return new CallFailure(Kind.PERMANENT, Reason.FINAL, message, null, 1, null);
    }

    public static CallFailure credentials(String message) {
        return new CallFailure(Kind.AUTHENTICATION, Reason.FINAL, message, null, 1, null);
    }

    /** The same failure, final after the given number of attempts. */
    CallFailure givenUp(String why, int attempts) {
        return new CallFailure(kind == Kind.RETRYABLE ? Kind.PERMANENT : kind, Reason.FINAL,
                why == null ? getMessage() : getMessage() + "; " + why, null, attempts, evidence);
    }

    /** The same failure, final now (no retry left to make), with its evidence. */
    public CallFailure givenUpNow() {
        return givenUp(null, attempts);
    }

    public Kind kind() {
        return kind;
    }

    public Reason reason() {
        return reason;
    }

    public boolean retryable() {
        return kind == Kind.RETRYABLE;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public int attempts() {
        return attempts;
    }

    /** The read-back that contradicted the call, if that is what failed. */
    public Evidence evidence() {
        return evidence;
    }
}
