package no.elekt.consent.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import no.elekt.consent.testinfra.TestTokens;

/** A flooding client is answered 429 with Retry-After, while another client is served as usual. */
@QuarkusTest
class RateLimitTest {

    @Test
    void aFloodingClientIsSlowedDownAndOthersAreNot() {
        // consent.intake.rate-limit.clients.flood-client=5 in the test profile
        String flood = TestTokens.token(Set.of(Roles.READER), null, "flood-client");
        List<Response> answers = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            answers.add(given().header("Authorization", "Bearer " + flood).get("/v1/subjects/s-1/consents"));
        }
        assertThat(answers).extracting(Response::statusCode).contains(200, 429);
        Response refused = answers.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(refused.contentType()).startsWith("application/problem+json");
        given().header("Authorization", "Bearer " + TestTokens.token(Set.of(Roles.READER), null))
                .get("/v1/subjects/s-1/consents").then().statusCode(200);
    }
}
