package no.elekt.consent.console;

import static io.restassured.RestAssured.given;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The console is the core's: an instance running only an adapter does not serve it. */
@QuarkusTest
@TestProfile(ConsoleRoleTest.AdapterOnly.class)
class ConsoleRoleTest {

    public static class AdapterOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("consent.core.enabled", "false",
                    "consent.adapters.mailgun.enabled", "false",
                    "consent.adapters.firebase.enabled", "false",
                    "consent.adapters.addapptr.enabled", "false");
        }
    }

    @Test
    void anAdapterOnlyInstanceDoesNotServeTheConsole() {
        given().get("/console/").then().statusCode(404);
        given().get("/console/console.js").then().statusCode(404);
    }
}
