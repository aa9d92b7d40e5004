package no.elekt.consent.config;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;

/**
 * The roles this instance plays. One image, roles by configuration: the core (API, ledger, outbox relay, receipt
 * tracking, the scheduled sweeps) and each processor's adapter, so each is deployed, scaled and credentialed on its
 * own: {@code consent.core.enabled} (CONSENT_CORE_ENABLED, default on) and {@code consent.adapters.<processor>.enabled}
 * (CONSENT_ADAPTERS_&lt;PROCESSOR&gt;_ENABLED, default off). The Kafka channels of each role are switched by the same
 * properties in application.properties.
 * <p>
 * Read through MicroProfile Config rather than a {@code @ConfigMapping}: a mapping of the {@code consent} prefix would
 * have to map every other {@code consent.*} property too, and the processors are keys only the policy knows.
 */
@Singleton
public class RoleSwitches {

    private final Config config;
    private final boolean coreRuns;

    RoleSwitches(Config config) {
        this.config = config;
        this.coreRuns = config.getOptionalValue("consent.core.enabled", Boolean.class).orElse(true);
    }

    public boolean coreRuns() {
        return coreRuns;
    }

    /** Whether this instance runs the adapter of the given processor (a processor id of the policy). */
    public boolean adapterRuns(String processor) {
        return config.getOptionalValue("consent.adapters." + processor + ".enabled", Boolean.class).orElse(false);
    }
}
