package no.elekt.consent.adapter.addapptr;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** AddApptr adapter settings (env CONSENT_ADAPTERS_ADDAPPTR_*); the SMTP server is Quarkus Mailer's (QUARKUS_MAILER_*). */
@ConfigMapping(prefix = "consent.adapters.addapptr")
public interface AddApptrConfig {

    /** The role switch, read by the shell (AdapterStartup, DirectiveChannels); declared here so the key is known. */
    @WithDefault("false")
    boolean enabled();

    /** AddApptr's privacy contact, who receives the deletion requests. */
    Optional<String> privacyContact();

    /**
     * Time one SMTP send may take. Longer than an HTTP call: a send that timed out may still have been delivered,
     * and a retry would mail the request twice.
     */
    @WithDefault("30s")
    Duration mailTimeout();

    /** Mails per second at most (0: unlimited). */
    @WithDefault("2")
    double rateLimit();
}
