package no.elekt.consent.adapter;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

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
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.StandInModel;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Issue 12, misconfiguration is loud at start: Mailgun pointed at the other region (where the domain is not),
 * Firebase at a project whose Authentication is not set up, and Eliq with a refused client secret. Each of those
 * adapters stops (readiness names it and the setting), consumes nothing, and the rest of the service runs: AddApptr's
 * directives are handled.
 */
@QuarkusTest
@TestIdentity
@TestProfile(StartupChecksTest.Misconfigured.class)
class StartupChecksTest extends StandInTest {

    public static class Misconfigured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "consent.adapters.mailgun.base-url", ProcessorStandIns.baseUrl() + "/us",
                    "consent.adapters.firebase.project-id", StandInModel.PROJECT_WITHOUT_AUTH,
                    "consent.adapters.eliq.client-secret", "not-the-secret");
        }
    }

    static long handled(ProcessorDirective directive) {
        return Db.count("select count(*) from adapter_directive where directive_id = ?", directive.getDirectiveId());
    }

    @Test
    void eachMisconfiguredAdapterStopsNamingTheSettingAndTheRestRuns() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(503)
                .body("checks.find { it.name == 'consent adapters' }.data.mailgun",
                        containsString("STOPPED"))
                .body("checks.find { it.name == 'consent adapters' }.data.mailgun",
                        containsString("CONSENT_ADAPTERS_MAILGUN_DOMAIN / _BASE_URL"))
                .body("checks.find { it.name == 'consent adapters' }.data.firebase",
                        containsString("CONFIGURATION_NOT_FOUND"))
                .body("checks.find { it.name == 'consent adapters' }.data.firebase",
                        containsString("CONSENT_ADAPTERS_FIREBASE_PROJECT_ID"))
                .body("checks.find { it.name == 'consent adapters' }.data.eliq",
                        containsString("CONSENT_ADAPTERS_ELIQ_CLIENT_ID/_CLIENT_SECRET"))
                .body("checks.find { it.name == 'consent adapters' }.data.addapptr",
                        equalTo("READY: start-up check passed")));

        ProcessorDirective toMailgun = Directives.directive("mailgun", DirectiveAction.SUPPRESS, "marketing", 1,
                Map.of("email", Directives.unique("stopped") + "@example.no"));
        ProcessorDirective toAddApptr = Directives.directive("addapptr", DirectiveAction.DELETE, "personalised-ads", 1,
                Map.of("advertisingId", Directives.unique("ad")));
        Directives.publish(toMailgun, toAddApptr);

        // the running adapter handles its directive; the stopped one holds its own unhandled (and uncommitted)
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> handled(toAddApptr) == 1);
        Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> handled(toMailgun) == 0);
    }
}
