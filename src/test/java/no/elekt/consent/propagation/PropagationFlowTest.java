package no.elekt.consent.propagation;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.oneOf;

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
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * End to end on real PostgreSQL, Kafka and Apicurio with the processor stand-ins: a change at the API is tracked
 * until every affected processor has confirmed it.
 */
@QuarkusTest
@TestIdentity
class PropagationFlowTest {

    private final WireMock processors = ProcessorStandIns.wireMock();

    private static String post(String subject, String purpose, String decision, Map<String, String> identifiers) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("subjectId", subject, "purpose", purpose, "decision", decision,
                        "occurredAt", Instant.now().toString(), "source", "app-android", "policyVersion",
                        "no-2023-04-27",
                        "identifiers", identifiers))
                .post("/v1/consent-changes").then().statusCode(202).extract().path("changeId");
    }

    /** Waits until the change's propagation to the processor has the status, and answers the change. */
    private static JsonPath awaitStatus(String changeId, String processor, String status) {
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/consent-changes/" + changeId).then()
                        .body("propagations.find { it.processor == '" + processor + "' }.status",
                                is(status)));
        return given().get("/v1/consent-changes/" + changeId).jsonPath();
    }

    @Test
    void aChangeReachesConfirmedAtEachAffectedProcessor() {
        String subject = "flow-" + UUID.randomUUID();
        awaitStatus(post(subject, "newsletter", "WITHDRAWN", Map.of("email", subject + "@example.no")),
                "mailgun", "CONFIRMED");
        awaitStatus(post(subject, "analytics", "WITHDRAWN", Map.of("firebaseAppInstanceId", "app-" + subject)),
                "firebase", "CONFIRMED");
        awaitStatus(post(subject, "energy-insights", "WITHDRAWN", Map.of("eliqUserId", "eliq-" + subject)),
                "eliq", "CONFIRMED");
        // AddApptr has no API: the deletion request goes by e-mail and ops confirm it by hand
        String adsChange = post(subject, "personalised-ads", "WITHDRAWN",
                Map.of("advertisingId", "38400000-8cf0-11bd-b23e-10b96e40000d"));
        String directiveId = awaitStatus(adsChange, "addapptr", "AWAITING_MANUAL")
                .getString("propagations[0].directiveId");
        given().get("/v1/ops/propagations?status=AWAITING_MANUAL&processor=addapptr&limit=1000").then()
                .statusCode(200).body("directiveId", hasItem(directiveId));
        given().contentType(ContentType.JSON).body(Map.of("note", "AddApptr ticket 1234 answered"))
                .post("/v1/ops/propagations/" + directiveId + "/confirm").then().statusCode(200)
                .body("status", is("CONFIRMED"));
        given().get("/v1/consent-changes/" + adsChange).then()
                .body("propagations[0].status", is("CONFIRMED"))
                .body("propagations[0].detail", containsString("ticket 1234"));
        // a closed propagation cannot be confirmed again
        given().contentType(ContentType.JSON).body(Map.of())
                .post("/v1/ops/propagations/" + directiveId + "/confirm").then().statusCode(409);
    }

    @Test
    void withdrawGrantWithdrawInQuickSuccessionEndsWithdrawnAtTheProcessor() {
        String subject = "flip-" + UUID.randomUUID();
        String email = subject + "@example.no";
        String first = post(subject, "newsletter", "WITHDRAWN", Map.of("email", email));
        String second = post(subject, "newsletter", "GRANTED", Map.of());
        String third = post(subject, "newsletter", "WITHDRAWN", Map.of());

        for (String change : List.of(first, second, third)) {
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().get("/v1/consent-changes/" + change).then()
                            .body("propagations[0].status", oneOf("CONFIRMED", "SUPERSEDED")));
        }
        given().get("/v1/consent-changes/" + third).then()
                .body("propagations[0].status", is("CONFIRMED"));
        // whatever the processor saw in between, the last unsubscribe call about this address adds it, not removes it
        // (reads change nothing: the read-backs of issue 12 are left out)
        List<LoggedRequest> calls = processors.find(anyRequestedFor(urlPathMatching("/v3/[^/]+/unsubscribes.*")))
                .stream().filter(r -> !r.getMethod().getName().equals("GET"))
                .filter(r -> r.getUrl().contains(email.replace("@", "%40")) || r.getUrl().contains(email)
                        || r.getBodyAsString().contains(email)
                        || r.getBodyAsString().contains(email.replace("@", "%40")))
                .sorted((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()))
                .toList();
        assertThat(calls).isNotEmpty();
        LoggedRequest last = calls.get(calls.size() - 1);
        assertThat(last.getMethod().getName()).isEqualTo("POST");
        given().get("/v1/subjects/" + subject + "/consents").then()
                .body("[0].decision", is("WITHDRAWN"))
                .body("[0].version", is(3));
    }

    @Test
    void aProcessorOutageEndsFailedVisiblyThenConfirmedAfterOpsRetry() {
        String subject = "outage-" + UUID.randomUUID();
        String eliqUser = "eliq-" + subject;
        String userPath = ProcessorStandIns.ELIQ_BASE_PATH + "/users/" + eliqUser;
        processors.register(WireMock.delete(urlPathEqualTo(userPath))
                .atPriority(1).willReturn(aResponse().withStatus(503)));

        String change = post(subject, "energy-insights", "WITHDRAWN", Map.of("eliqUserId", eliqUser));
        String directiveId = awaitStatus(change, "eliq", "FAILED").getString("propagations[0].directiveId");
        assertThat(processors.find(deleteRequestedFor(urlPathEqualTo(userPath)))).hasSizeGreaterThan(1);
        given().get("/v1/ops/propagations?status=FAILED&processor=eliq&limit=1000").then()
                .body("directiveId", hasItem(directiveId));

        // Eliq is back; ops retry, and the same propagation ends confirmed
        processors.register(WireMock.delete(urlPathEqualTo(userPath))
                .atPriority(1).willReturn(aResponse().withStatus(204)));
        given().post("/v1/ops/propagations/" + directiveId + "/retry").then().statusCode(200)
                .body("status", is("PENDING"));
        awaitStatus(change, "eliq", "CONFIRMED");
        processors.verifyThat(deleteRequestedFor(urlPathEqualTo(userPath))
                .withHeader("Authorization", equalTo("Bearer " + ProcessorStandIns.ELIQ_ACCESS_TOKEN)));
    }
}
