package no.elekt.consent.adapter.mailgun;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Mailgun adapter settings (env CONSENT_ADAPTERS_MAILGUN_*). Credentials are required only when it is enabled. */
@ConfigMapping(prefix = "consent.adapters.mailgun")
public interface MailgunConfig {

    @WithDefault("false")
    boolean enabled();

    /** API base, e.g. https://api.eu.mailgun.net (the REST client "mailgun" reads it). */
    @WithDefault("https://api.eu.mailgun.net")
    String baseUrl();

    /** Private API key; sent as Basic auth {@code api:<key>}. */
    Optional<String> apiKey();

    /** Sending domain whose unsubscribe table is kept. */
    Optional<String> domain();

    /** Mailing lists (addresses) a subject is removed from on DELETE. */
    Optional<List<String>> lists();

    /** Unsubscribe tag per purpose; a purpose without one uses its own id. Erasure unsubscribes from all ("*"). */
    Map<String, String> tags();

    /** From this many waiting unsubscribes on, one bulk JSON call (up to 1,000 addresses) is made instead. */
    @WithDefault("2")
    int bulkThreshold();

    /** Calls per second at most (0: unlimited). */
    @WithDefault("10")
    double rateLimit();
}
