package no.elekt.consent.adapter;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How every adapter calls its processor: per-attempt timeout, retries with backoff, and the retry budget. */
@ConfigMapping(prefix = "consent.adapters.calls")
public interface CallsConfig {

    /** Time one attempt may take before it counts as a (retryable) timeout. */
    @WithDefault("10s")
    Duration timeout();

    /** Attempts per call, the first included. */
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
}
