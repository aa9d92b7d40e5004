package no.elekt.consent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The roles of an instance, from properties or from the environment names the deployment manifests set. */
@Tag("unit")
class RoleSwitchesTest {

    static RoleSwitches roles(Map<String, String> properties, Map<String, String> environment) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "application.properties", 250))
                .withSources(new EnvConfigSource(environment, 300))
                .build();
        return new RoleSwitches(config);
    }

    @Test
    void byDefaultTheCoreRunsAndNoAdapter() {
        RoleSwitches roles = roles(Map.of(), Map.of());
        assertThat(roles.coreRuns()).isTrue();
        assertThat(roles.adapterRuns("mailgun")).isFalse();
    }

    @Test
    void anAdapterDeploymentSwitchesTheCoreOffAndItsAdapterOn() {
        RoleSwitches roles = roles(Map.of("consent.adapters.mailgun.enabled", "false"),
                Map.of("CONSENT_CORE_ENABLED", "false", "CONSENT_ADAPTERS_MAILGUN_ENABLED", "true"));
        assertThat(roles.coreRuns()).isFalse();
        assertThat(roles.adapterRuns("mailgun")).isTrue();
        assertThat(roles.adapterRuns("eliq")).isFalse();
    }

    @Test
    void aProcessorOnlyThePolicyNamesIsSwitchedByItsEnvironmentNameAlone() {
        assertThat(roles(Map.of(), Map.of("CONSENT_ADAPTERS_ELHUB_ENABLED", "true")).adapterRuns("elhub")).isTrue();
    }

    /** Only the core migrates: an adapter's database user may not change the schema (deploy/README.md). */
    @Test
    void onlyTheCoreRunsTheMigrations() throws Exception {
        java.net.URL shipped = RoleSwitchesTest.class.getResource("/application.properties");
        for (Map.Entry<String, Boolean> role : Map.of("true", true, "false", false).entrySet()) {
            SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultInterceptors() // expands ${...} as Quarkus
                    .withSources(new PropertiesConfigSource(shipped, 250))
                    .withSources(new EnvConfigSource(Map.of("CONSENT_CORE_ENABLED", role.getKey()), 300))
                    .build();
            assertThat(config.getValue("quarkus.flyway.migrate-at-start", Boolean.class)).isEqualTo(role.getValue());
        }
        SmallRyeConfig byDefault = new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(shipped, 250)).build();
        assertThat(byDefault.getValue("quarkus.flyway.migrate-at-start", Boolean.class)).isTrue();
    }
}
