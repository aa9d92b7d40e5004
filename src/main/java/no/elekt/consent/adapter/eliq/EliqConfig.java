package no.elekt.consent.adapter.eliq;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Eliq adapter settings (env CONSENT_ADAPTERS_ELIQ_*). Hosts, the client and the consent names are Elekt's tenant's
 * (Eliq hands them out; not in Eliq's public documentation): see deploy/ADAPTERS.md.
 */
@ConfigMapping(prefix = "consent.adapters.eliq")
public interface EliqConfig {

    /** The role switch, read by the shell (AdapterStartup, DirectiveChannels); declared here so the key is known. */
    @WithDefault("false")
    boolean enabled();

    /** Data Management API of the tenant, including /integration/api/v1 (the REST client "eliq" reads it). */
    @WithDefault("https://elekt.data-management-api.eliq.com/integration/api/v1")
    String baseUrl();

    /** Insights API of the tenant (the REST client "eliq-insights" reads it). */
    @WithDefault("https://elekt.insights-api.eliq.com")
    String insightsUrl();

    /** OAuth2 token endpoint (Auth v2, JSON body), in full. */
    @WithDefault("https://auth-api.eliq.com/oauth/token")
    String tokenUrl();

    /** The Auth v2 client, for both APIs unless the Insights API has a client of its own. */
    Optional<String> clientId();

    Optional<String> clientSecret();

    /** A client of its own for the Insights API (Eliq's examples use one client per API). */
    Optional<String> insightsClientId();

    Optional<String> insightsClientSecret();

    /**
     * How the Insights API is called: {@code delegated} (a token on behalf of the user, {@code sub} = Eliq's user id,
     * as Eliq documents for APIs that "enforce user context") or {@code application} (one app token).
     */
    @WithDefault("delegated")
    String insightsToken();

    /**
     * Per purpose, the name of the Eliq consent it is (e.g. energy-insights=energy_insights). Eliq's consent names and
     * versions are the tenant's, not public: configuration. The version id is read from the user's consents.
     */
    Map<String, String> consents();

    /** A cached token is renewed this long before it expires. */
    @WithDefault("60s")
    Duration tokenRefreshMargin();

    /** Calls per second at most (0: unlimited). Eliq publishes no rate limit. */
    @WithDefault("10")
    double rateLimit();
}
