package no.elekt.consent.testinfra;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Points the service under test at the shared, real infrastructure (started on first use). */
public class InfraResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Infra.serviceConfig();
    }

    @Override
    public void stop() {
        // shared by all test classes; stopped when the test JVM exits
    }
}
