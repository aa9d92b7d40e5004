package no.elekt.consent.propagation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Issue 12, the core's side of proof of effect: CONFIRMED alone does not say whether the processor's state was read
 * back. A change's propagations show "verified" with the evidence the adapter's receipt carried, or
 * "accepted-unverified" and why; the ops list shows the same.
 */
@QuarkusTest
@TestIdentity
class ProofShownTest {

    private static String post(String subject, String purpose, Map<String, String> identifiers) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("subjectId", subject, "purpose", purpose, "decision", "WITHDRAWN",
                        "occurredAt", Instant.now().toString(), "source", "app-android",
                        "policyVersion", "no-2023-04-27", "identifiers", identifiers))
                .post("/v1/consent-changes").then().statusCode(202).extract().path("changeId");
    }

    private static JsonPath awaitConfirmed(String changeId) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .get("/v1/consent-changes/" + changeId).then().body("propagations[0].status", is("CONFIRMED")));
        return given().get("/v1/consent-changes/" + changeId).jsonPath();
    }

    @Test
    void anUnsubscribeReadBackAtMailgunShowsVerifiedWithItsEvidence() {
        String subject = "proof-" + UUID.randomUUID();
        String email = subject + "@example.no";

        JsonPath change = awaitConfirmed(post(subject, "newsletter", Map.of("email", email)));

        assertThat(change.getString("propagations[0].proof.verification")).isEqualTo("verified");
        assertThat(change.getList("propagations[0].proof.evidence.check", String.class))
                .anyMatch(check -> check.contains("/unsubscribes/{address}"));
        assertThat(change.getString("propagations[0].proof.evidence[0].checkedAt")).isNotBlank();
        assertThat(change.getList("propagations[0].proof.evidence.answer", String.class))
                .noneMatch(answer -> answer.contains(email));
        String directiveId = change.getString("propagations[0].directiveId");
        given().get("/v1/ops/propagations?status=CONFIRMED&processor=mailgun&limit=1000").then().statusCode(200)
                .body("find { it.directiveId == '" + directiveId + "' }.proof.verification", is("verified"));
    }

    @Test
    void anAnalyticsDeletionShowsAcceptedUnverifiedBecauseGa4OffersNoReadBack() {
        String subject = "proof-" + UUID.randomUUID();

        JsonPath change = awaitConfirmed(post(subject, "analytics", Map.of("firebaseAppInstanceId", "app-" + subject)));

        assertThat(change.getString("propagations[0].proof.verification")).isEqualTo("accepted-unverified");
        assertThat(change.getString("propagations[0].proof.note")).contains("GA4 offers no read-back");
    }

    @Test
    void anOpenPropagationClaimsNoProof() {
        String subject = "proof-" + UUID.randomUUID();
        String changeId = post(subject, "personalised-ads",
                Map.of("advertisingId", "38400000-8cf0-11bd-b23e-10b96e40000d"));

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .get("/v1/consent-changes/" + changeId).then()
                .body("propagations[0].status", is("AWAITING_MANUAL"))
                // the proof is shown, and claims nothing while open
                .body("propagations[0].proof.evidence", empty())
                .body("propagations[0].proof.verification", is((Object) null)));
    }
}
