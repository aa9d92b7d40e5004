package no.elekt.consent.ledger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.TestIdentity;

@QuarkusTest
@TestIdentity
class IdempotencyTest {

    private static Map<String, Object> body(String subject, String decision) {
        return Map.of("subjectId", subject, "purpose", "marketing", "decision", decision,
                "occurredAt", "2026-01-02T03:04:05Z", "source", "web", "policyVersion", "no-2023-04-27");
    }

    @Test
    void sameKeyAndBodyAnswersTheSameChangeAndRecordsNothingNew() {
        String subject = "subject-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        String first = given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(body(subject, "WITHDRAWN")).post("/v1/consent-changes")
                .then().statusCode(202).extract().path("changeId");
        String again = given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(body(subject, "WITHDRAWN")).post("/v1/consent-changes")
                .then().statusCode(202).header("Idempotent-Replayed", "true").body("version", equalTo(1))
                .extract().path("changeId");

        assertThat(again).isEqualTo(first);
        assertThat(Db.count("select count(*) from consent_record where subject_id = ?", subject)).isEqualTo(1);
        assertThat(Db.count("select count(*) from propagation where subject_id = ?", subject)).isEqualTo(1);
        // one ConsentChanged and one directive were written to the outbox, whether relayed already or not
        assertThat(Db.count("select count(*) from consent_state where subject_id = ? and version = 1", subject))
                .isEqualTo(1);
    }

    @Test
    void sameKeyWithAnotherBodyIsRefusedAndStoresNothing() {
        String subject = "subject-" + UUID.randomUUID();
        String other = "subject-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(body(subject, "WITHDRAWN")).post("/v1/consent-changes").then().statusCode(202);

        given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(body(other, "GRANTED")).post("/v1/consent-changes")
                .then().statusCode(422).contentType("application/problem+json")
                .body("title", equalTo("Idempotency-Key reused"));
        assertThat(Db.rowsFor(other)).isZero();
    }

    @Test
    void withoutKeyEachPostIsANewChange() {
        String subject = "subject-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body(body(subject, "GRANTED")).post("/v1/consent-changes")
                .then().statusCode(202).body("version", equalTo(1));
        given().contentType(ContentType.JSON).body(body(subject, "GRANTED")).post("/v1/consent-changes")
                .then().statusCode(202).body("version", equalTo(2));
    }

    @Test
    void unknownChangeIsAProblem() {
        given().get("/v1/consent-changes/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
        given().get("/v1/consent-changes/not-a-uuid").then().statusCode(404);
    }
}
