package no.elekt.consent.adapter.mailgun;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Mailgun adapter settings (env CONSENT_ADAPTERS_MAILGUN_*). Credentials are required only when it is enabled. */
@ConfigMapping(prefix = "consent.adapters.mailgun")
public interface MailgunConfig {

    /** The role switch, read by the shell (AdapterStartup, DirectiveChannels); declared here so the key is known. */
    @WithDefault("false")
    boolean enabled();

    /** Directives per poll of this adapter's consumer (read by DirectiveChannels). */
    @WithDefault("200")
    int maxPollRecords();

    /** Age of an unprocessed record before the consumer counts as unhealthy (read by DirectiveChannels). */
    @WithDefault("600000")
    long unprocessedRecordMaxAgeMs();

    /** Comparing what was applied with what Mailgun holds. */
    Reconciliation reconciliation();

    interface Reconciliation {
        /** Whether this deployment runs the scheduled comparison (in the Mailgun adapter's role only). */
        @WithDefault("true")
        boolean enabled();

        /** How often; a run reads every unsubscribe and list member, paced by the adapter's rate limit. */
        @WithDefault("6h")
        String every();

        /** Subjects compared per database page. */
        @WithDefault("500")
        int pageSize();
    }

    /** API base of the region the domain and lists live in: https://api.eu.mailgun.net or https://api.mailgun.net. */
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
