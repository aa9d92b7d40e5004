package no.elekt.consent.adapter;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.security.AttributeType;
import io.quarkus.test.security.SecurityAttribute;
import io.quarkus.test.security.TestSecurity;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;

/**
 * A deployment with every adapter (and the core) switched off starts and is healthy: a disabled adapter's channel
 * and its missing credentials do not stand in the way.
 */
@QuarkusTest
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
@TestProfile(AdaptersSwitchedOffTest.Off.class)
class AdaptersSwitchedOffTest {

    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "consent.core.enabled", "false",
                    // an adapter does not migrate; deployed, the core has, here this test may be the run's first
                    "quarkus.flyway.migrate-at-start", "true",
                    "consent.adapters.mailgun.enabled", "false",
                    "consent.adapters.firebase.enabled", "false",
                    "consent.adapters.eliq.enabled", "false",
                    "consent.adapters.addapptr.enabled", "false",
                    // no credentials: an enabled adapter would refuse to start without them
                    "consent.adapters.eliq.client-secret", "",
                    "consent.adapters.addapptr.privacy-contact", "");
        }
    }

    @Test
    void startsHealthyWithoutDirectiveConsumers() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(not(containsString("directives-")));
    }
}
