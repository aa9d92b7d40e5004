package no.elekt.consent.adapter;

import java.time.Duration;
import java.util.Optional;

/**
 * A processor call that did not succeed. The message is safe for logs and receipts: it names the processor's
 * operation and status, never an identifier (URLs of processor calls contain e-mail addresses and tokens).
 */
public class CallFailure extends RuntimeException {

    public enum Kind {
        /** Worth another try: 5xx, 429, timeouts, broken connections. */
        RETRYABLE,
        /** The processor refused the credentials (401, 403): misconfiguration that ops must see. */
        AUTHENTICATION,
        /** Any other refusal: retrying the same request cannot help. */
        PERMANENT
    }

    private final Kind kind;
    private final Duration retryAfter;
    private final int attempts;

    public CallFailure(Kind kind, String reason, Duration retryAfter) {
        this(kind, reason, retryAfter, 1);
    }

    private CallFailure(Kind kind, String reason, Duration retryAfter, int attempts) {
        super(reason, null, false, false);
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.attempts = attempts;
    }

    public static CallFailure retryable(String reason) {
        return new CallFailure(Kind.RETRYABLE, reason, null);
    }

    public static CallFailure permanent(String reason) {
        return new CallFailure(Kind.PERMANENT, reason, null);
    }

    /** The same failure, final after the given number of attempts. */
    CallFailure givenUp(String why, int attempts) {
        return new CallFailure(kind == Kind.RETRYABLE ? Kind.PERMANENT : kind,
                why == null ? getMessage() : getMessage() + "; " + why, null, attempts);
    }

    public Kind kind() {
        return kind;
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
}
