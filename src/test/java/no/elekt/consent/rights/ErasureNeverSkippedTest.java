package no.elekt.consent.rights;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.StandInCalls;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * A deletion once asked for is carried out: a later grant allows new processing, it never cancels the deletion.
 * Proven end to end at Eliq (DELETE of the user, then the consent record of the grant), with the purge waiting for
 * the deletion. The same rule within one poll of an adapter: {@code DirectiveHandlingTest}.
 */
@QuarkusTest
@TestIdentity
class ErasureNeverSkippedTest {

    static final WireMock ELIQ = ProcessorStandIns.wireMock();

    static String grant(String subject) {
        return given().contentType(ContentType.JSON).body(Map.of("subjectId", subject, "purpose", "energy-insights",
                "decision", "GRANTED", "occurredAt", Instant.now().toString(), "source", "app-android",
                "policyVersion", "no-2023-04-27", "identifiers", Map.of()))
                .post("/v1/consent-changes").then().statusCode(202).extract().path("changeId");
    }

    /** The subject's Eliq user, with a grant of a minute ago, once Eliq has it (a consent record, no deletion). */
    static void seed(String subject, String eliqUser) {
        String changeId = given().contentType(ContentType.JSON).body(Map.of("subjectId", subject,
                "purpose", "energy-insights", "decision", "GRANTED",
                "occurredAt", Instant.now().minusSeconds(60).toString(), "source", "app-android",
                "policyVersion", "no-2023-04-27", "identifiers", Map.of("eliqUserId", eliqUser)))
                .post("/v1/consent-changes").then().statusCode(202).extract().path("changeId");
        awaitConfirmed(changeId);
    }

    static String erase(String subject) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("type", "ERASURE", "purposes", List.of("energy-insights"), "source", "app-android"))
                .post("/v1/subjects/" + subject + "/requests").then().statusCode(202).extract().path("requestId");
    }

    static JsonPath request(String subject, String requestId) {
        return given().get("/v1/subjects/" + subject + "/requests/" + requestId).then().statusCode(200)
                .extract().jsonPath();
    }

    static void awaitPurged(String subject, String requestId) {
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> request(subject, requestId).getString("identifiersPurgedAt") != null);
    }

    /** The calls to Eliq about the user, oldest first: the method and status of each. */
    static List<String> eliqCalls(String eliqUser) {
        return ProcessorStandIns.wireMock().getServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().contains(eliqUser))
                .sorted((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()))
                .map(e -> e.getRequest().getMethod().getName() + " " + e.getResponse().getStatus())
                .toList();
    }

    @Test
    void aFailedDeletionRetriedByOpsAfterAGrantIsCarriedOutAndThePurgeWaitsForIt() {
        String subject = "erase-retry-" + UUID.randomUUID();
        String eliqUser = "eliq-" + subject;
        String userPath = ProcessorStandIns.ELIQ_BASE_PATH + "/users/" + eliqUser;
        seed(subject, eliqUser);
        var down = ELIQ.register(WireMock.delete(urlPathEqualTo(userPath)).atPriority(1)
                .willReturn(aResponse().withStatus(503)));

        String requestId = erase(subject);
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> request(subject, requestId).getString("status"), equalTo("FAILED"));
        String directiveId = request(subject, requestId).getString("propagations[0].directiveId");
        awaitConfirmed(grant(subject));

        // not purged while the deletion is not done
        assertThat(request(subject, requestId).getString("status")).isEqualTo("FAILED");
        assertThat(Db.count("select count(*) from subject_identifier where subject_id = ?", subject)).isEqualTo(1);

        // Eliq is back; ops retry the deletion: it is carried out, then the newer grant again, and only then purged
        ELIQ.removeStubMapping(down);
        given().post("/v1/ops/propagations/" + directiveId + "/retry").then().statusCode(200);
        awaitPurged(subject, requestId);
        List<String> calls = eliqCalls(eliqUser);
        assertThat(calls).contains("DELETE 204");
        // the deletion, its read-back (400 USER_NOT_FOUND), then the newer grant again, which finds no user at Eliq
        // (issue 12: consents are on Eliq's Insights API by Eliq's own id, looked up by ours first)
        assertThat(calls.subList(calls.lastIndexOf("DELETE 204"), calls.size()))
                .containsExactly("DELETE 204", "GET 400", "GET 400");
        JsonPath done = request(subject, requestId);
        assertThat(done.getString("status")).isEqualTo("COMPLETED");
        assertThat(done.getList("propagations.status", String.class)).containsExactly("CONFIRMED");
        List<LoggedRequest> deletions = StandInCalls.calls("DELETE", eliqUser);
        assertThat(deletions).isNotEmpty();
    }

    static void awaitConfirmed(String changeId) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .get("/v1/consent-changes/" + changeId).then().body("propagations[0].status", equalTo("CONFIRMED")));
    }
}
