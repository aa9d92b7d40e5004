package no.elekt.consent.adapter;

import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * A deployment as in production: one adapter (Eliq) switched on, so the directive channel is that adapter's one
 * consumer of its own topic; it handles its directives.
 */
@QuarkusTest
@TestIdentity
@TestProfile(OneAdapterDeploymentTest.EliqOnly.class)
class OneAdapterDeploymentTest {

    public static class EliqOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "consent.core.enabled", "false",
                    // an adapter does not migrate; deployed, the core has, here this test may be the run's first
                    "quarkus.flyway.migrate-at-start", "true",
                    "consent.adapters.mailgun.enabled", "false",
                    "consent.adapters.firebase.enabled", "false",
                    "consent.adapters.addapptr.enabled", "false");
        }
    }

    @Test
    void theOneAdapterConsumesItsOwnTopic() {
        ProcessorDirective directive = Directives.directive("eliq", DirectiveAction.DELETE, "energy-insights", 1,
                Map.of("eliqUserId", Directives.unique("eliq-user")));

        Directives.publish(directive);

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Db.count(
                "select count(*) from adapter_directive where processor = 'eliq' and directive_id = ?",
                directive.getDirectiveId()) == 1);
    }
}
