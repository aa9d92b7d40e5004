package no.elekt.consent.adapter.eliq;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Eliq adapter settings (env CONSENT_ADAPTERS_ELIQ_*). Verify the URLs against Eliq's contract before production. */
@ConfigMapping(prefix = "consent.adapters.eliq")
public interface EliqConfig {

    @WithDefault("false")
    boolean enabled();

    /** Data management API of the tenant, including /integration/api/v1. */
    @WithDefault("https://elekt.data-management-api.eliq.com/integration/api/v1")
    String baseUrl();

    /** OAuth2 token endpoint (client credentials), in full. */
    @WithDefault("https://auth-api.eliq.com/oauth/token")
    String tokenUrl();

    Optional<String> clientId();

    Optional<String> clientSecret();

    /** A cached token is renewed this long before it expires. */
    @WithDefault("60s")
    Duration tokenRefreshMargin();

    /** Calls per second at most (0: unlimited). */
    @WithDefault("10")
    double rateLimit();
}
