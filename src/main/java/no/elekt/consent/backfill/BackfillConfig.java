package no.elekt.consent.backfill;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How fast backfills go (env CONSENT_BACKFILL_*). */
@ConfigMapping(prefix = "consent.backfill")
public interface BackfillConfig {

    /**
     * Directives a second at most, per processor, within its adapter's calls a second (the least a directive that
     * reaches the processor costs); {@link #maxPending()} holds back those that cost more. A request may ask for
     * less, never more.
     */
    Map<String, Double> rates();

    /** For a processor without its own rate. */
    @WithDefault("10")
    double defaultRate();

    /**
     * Directives of one backfill issued and not yet answered by the processor's adapter, at most: past it the backfill
     * waits for the adapter, so it never runs further ahead of it than this, whatever a directive costs there (a
     * Mailgun deletion is a call per list and a read-back each), and the changes people make meanwhile wait behind at
     * most this many of this backfill's directives (each running backfill has its own).
     */
    @WithDefault("500")
    @Min(1)
    int maxPending();

    /** Directives per transaction. */
    @WithDefault("1000")
    int pageSize();

    /** How often running backfills issue their next directives. */
    @WithDefault("1s")
    Duration tick();
}
