package no.elekt.consent.adapter;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How every adapter calls its processor (see {@link ProcessorCalls}): per-attempt timeout, retries of transient
 * failures with backoff within a budget, and each processor's circuit breaker.
 */
@ConfigMapping(prefix = "consent.adapters.calls")
public interface CallsConfig {

    /** Time one attempt may take before it counts as a (transient) timeout. */
    @WithDefault("10s")
    Duration timeout();

    /** Attempts per call at the processor, the first included. */
    @WithDefault("6")
    int maxAttempts();

    /** First backoff; doubled on each retry, with jitter, up to {@link #maxBackoff()}. */
    @WithDefault("500ms")
    Duration initialBackoff();

    @WithDefault("10s")
    Duration maxBackoff();

    /**
     * Total time one call may spend retrying, so one failing subject does not hold up its partition for long.
     * A Retry-After beyond the budget ends the call at once: the directive is dead-lettered for ops to retry later.
     */
    @WithDefault("45s")
    Duration budget();

    /** The circuit breaker of each processor. */
    Breaker circuitBreaker();

    interface Breaker {
        /** Calls in the rolling window the failure ratio is judged over. */
        @WithDefault("20")
        int requestVolumeThreshold();

        /** Share of transient failures in the window that opens the breaker. */
        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker refuses calls before it lets one through to try. */
        @WithDefault("10s")
        Duration delay();
    }
}
