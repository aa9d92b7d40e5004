package no.elekt.consent.kafka;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds of a dead-letter replay call (env CONSENT_DEAD_LETTERS_REPLAY_*). */
@ConfigMapping(prefix = "consent.dead-letters.replay")
public interface ReplayConfig {

    /** Dead letters one call sends back at most (and the default of its {@code max}); call again for the rest. */
    @WithDefault("1000")
    int maxPerCall();

    /** How long one send may wait for Kafka's acknowledgement before the call stops. */
    @WithDefault("10s")
    Duration sendTimeout();
}
