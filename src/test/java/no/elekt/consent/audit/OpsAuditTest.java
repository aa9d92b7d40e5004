package no.elekt.consent.audit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Ops confirm by hand only what waits for a person (AWAITING_MANUAL), with a bounded note, and every ops action is
 * recorded with the caller's principal and listed newest first, a page at a time.
 */
@QuarkusTest
@TestIdentity
class OpsAuditTest {

    static KafkaPublisher publisher;

    @BeforeAll
    static void connect() {
        publisher = new KafkaPublisher();
    }

    @AfterAll
    static void close() {
        publisher.close();
    }

    @Test
    void onlyAPropagationAwaitingManualIsConfirmedAndEveryActionIsAudited() {
        String subject = "audit-" + UUID.randomUUID();
        String change = Directives.postChange(subject, "personalised-ads", "WITHDRAWN",
                Map.of("advertisingId", UUID.randomUUID().toString()));
        String directiveId = awaitStatus(change, "AWAITING_MANUAL").getString("propagations[0].directiveId");

        // the AddApptr adapter reports the mail could not be sent: FAILED, which waits for a retry, not a person
        publisher.send(Directives.receipts("addapptr"), subject, PropagationReceipt.newBuilder()
                .setReceiptId(UUID.randomUUID().toString()).setDirectiveId(directiveId).setChangeId(change)
                .setSubjectId(subject).setProcessor("addapptr").setOutcome(ReceiptOutcome.FAILED_PERMANENT)
                .setDetail("mail refused").setAttempts(1).setCompletedAt(Instant.now()).build());
        awaitStatus(change, "FAILED");
        confirm(directiveId, "done by hand").then().statusCode(409).contentType(containsString("problem+json"))
                .body("title", is("Not awaiting manual confirmation"))
                .body("detail", containsString("FAILED"));

        given().post("/v1/ops/propagations/" + directiveId + "/retry").then().statusCode(200);
        awaitStatus(change, "AWAITING_MANUAL");
        confirm(directiveId, "x".repeat(401)).then().statusCode(400).contentType(containsString("problem+json"))
                .body("errors.field", hasItem("note"));
        confirm(directiveId, "ticket 77 answered").then().statusCode(200).body("status", is("CONFIRMED"));

        // newest first: the confirmation, then the retry; the refused attempts did nothing and are not actions
        JsonPath first = given().get("/v1/ops/audit?limit=1").then().statusCode(200)
                .body("entries", hasSize(1)).body("next", notNullValue()).extract().jsonPath();
        first.setRootPath("entries[0]");
        assertThat(first.getString("action")).isEqualTo("CONFIRM");
        assertThat(first.getString("target")).isEqualTo("propagation " + directiveId);
        assertThat(first.getString("principal")).isEqualTo("test-backend");
        assertThat(first.getString("note")).isEqualTo("ticket 77 answered");
        assertThat(first.getString("at")).isNotBlank();
        long cursor = given().get("/v1/ops/audit?limit=1").jsonPath().getLong("next");
        given().get("/v1/ops/audit?limit=1&before=" + cursor).then().statusCode(200)
                .body("entries[0].action", is("RETRY"))
                .body("entries[0].target", is("propagation " + directiveId))
                .body("entries[0].principal", is("test-backend"))
                .body("entries[0].note", nullValue());
    }

    @Test
    void anExportAndADeadLetterReplayAreAudited() {
        String subject = "audit-export-" + UUID.randomUUID();
        Directives.postChange(subject, "newsletter", "WITHDRAWN", Map.of("email", subject + "@example.no"));
        given().get("/v1/subjects/" + subject + "/export").then().statusCode(200);
        given().get("/v1/ops/audit?limit=1000").then().statusCode(200)
                .body("entries.findAll { it.action == 'EXPORT' }.target", hasItem("subject " + subject));

        given().post("/v1/ops/dead-letters/replay?topic=consent.directives.eliq.v1.dlq&max=1").then().statusCode(200);
        given().get("/v1/ops/audit?limit=1").then()
                .body("entries[0].action", is("DEAD_LETTER_REPLAY"))
                .body("entries[0].target", is("consent.directives.eliq.v1.dlq"))
                .body("entries[0].principal", is("test-backend"));
    }

    @Test
    void aBadCursorIsRefusedNamingIt() {
        given().get("/v1/ops/audit?before=0").then().statusCode(400).body("errors.field", hasItem("before"));
    }

    private static io.restassured.response.Response confirm(String directiveId, String note) {
        return given().contentType(ContentType.JSON).body(Map.of("note", note))
                .post("/v1/ops/propagations/" + directiveId + "/confirm");
    }

    private static JsonPath awaitStatus(String change, String status) {
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/consent-changes/" + change).then()
                        .body("propagations.find { it.processor == 'addapptr' }.status", is(status)));
        return given().get("/v1/consent-changes/" + change).jsonPath();
    }
}
