package no.elekt.consent.backfill;

import java.time.Duration;
import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How fast backfills go (env CONSENT_BACKFILL_*). */
@ConfigMapping(prefix = "consent.backfill")
public interface BackfillConfig {

    /**
     * Directives a second at most, per processor: what its adapter can carry out within the processor's quota (a
     * bulk API takes many per call). A request may ask for less, never more.
     */
    Map<String, Double> rates();

    /** For a processor without its own rate. */
    @WithDefault("10")
    double defaultRate();

    /** Directives per transaction. */
    @WithDefault("1000")
    int pageSize();

    /** How often running backfills issue their next directives. */
    @WithDefault("1s")
    Duration tick();
}
