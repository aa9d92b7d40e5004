package no.elekt.consent.ledger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.TestIdentity;

/** Every class of bad input gets a problem naming the field, and nothing is stored or emitted. */
@QuarkusTest
@TestIdentity
class BadInputTest {

    private final String subject = "subject-" + UUID.randomUUID();

    private Map<String, Object> valid() {
        Map<String, Object> body = new HashMap<>();
        body.put("subjectId", subject);
        body.put("purpose", "newsletter");
        body.put("decision", "WITHDRAWN");
        body.put("occurredAt", Instant.now().toString());
        body.put("source", "app-ios");
        body.put("identifiers", Map.of("email", "someone@example.no"));
        return body;
    }

    private void refused(Object body, int status, String field) {
        given().contentType(ContentType.JSON).body(body).post("/v1/consent-changes")
                .then().log().ifValidationFails().statusCode(status).contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("errors.field", hasItem(field));
        assertThat(Db.rowsFor(subject)).as("nothing stored for " + field).isZero();
    }

    private Map<String, Object> with(String field, Object value) {
        Map<String, Object> body = valid();
        if (value == null) {
            body.remove(field);
        } else {
            body.put(field, value);
        }
        return body;
    }

    @Test
    void missingFieldsAreNamed() {
        refused(with("subjectId", null), 400, "subjectId");
        refused(with("purpose", null), 400, "purpose");
        refused(with("decision", null), 400, "decision");
        refused(with("occurredAt", null), 400, "occurredAt");
        refused(with("source", null), 400, "source");
    }

    @Test
    void unknownOrMalformedValuesAreNamed() {
        refused(with("purpose", "horoscopes"), 400, "purpose");
        refused(with("decision", "MAYBE"), 400, "decision");
        refused(with("occurredAt", "yesterday"), 400, "occurredAt");
        refused(with("occurredAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()), 400, "occurredAt");
        refused(with("subjectId", "x".repeat(129)), 400, "subjectId");
        refused(with("subjectId", "someone@example.no"), 400, "subjectId");
        refused(with("identifiers", Map.of("passportNumber", "123")), 400, "identifiers.passportNumber");
        refused(with("unexpected", "field"), 400, "unexpected");
        refused(with("source", "app\u0000"), 400, "source"); // found by BadInputFuzzTest: PostgreSQL refuses NUL
        // a control character in an identifier type is refused under the plain field name, never echoed
        refused(with("identifiers", Map.of("e\nmail\u001b[31m", "a@example.no")), 400, "identifiers");
        refused(with("identifiers", Map.of("advertisingId", "ad-123")), 400, "identifiers.advertisingId");
    }

    @Test
    void aPolicyVersionThePolicyDoesNotListIsNamedAndAGrantMustNameOne() {
        refused(with("policyVersion", "no-2099-01-01"), 400, "policyVersion");
        Map<String, Object> grant = with("decision", "GRANTED");
        refused(grant, 400, "policyVersion");
        grant.put("policyVersion", "dk-2023-04-27");
        given().contentType(ContentType.JSON).body(grant).post("/v1/consent-changes").then().statusCode(202);
    }

    @Test
    void malformedJsonIsAProblem() {
        given().contentType(ContentType.JSON).body("{\"subjectId\": \"" + subject + "\", ")
                .post("/v1/consent-changes")
                .then().statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Malformed JSON"));
        given().contentType(ContentType.JSON).body("").post("/v1/consent-changes")
                .then().statusCode(400).contentType("application/problem+json");
        assertThat(Db.rowsFor(subject)).isZero();
    }

    /** Bytes that Jackson's encoding detection takes for UTF-32 of an unknown byte order (found by the fuzz test). */
    @Test
    void aBodyInNoTextEncodingIsAProblem() {
        given().contentType(ContentType.JSON).body(new byte[]{ 0, 0, '[', 0, '1', ']' })
                .post("/v1/consent-changes")
                .then().statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Malformed JSON"));
    }

    @Test
    void oversizedBodyIsRefusedWith413() {
        Map<String, Object> body = with("source", "x".repeat(70 * 1024));
        given().contentType(ContentType.JSON).body(body).post("/v1/consent-changes").then().statusCode(413);
        assertThat(Db.rowsFor(subject)).isZero();
    }

    @Test
    void otherMediaTypesAreRefusedWith415() {
        given().contentType(ContentType.XML).body("<change/>").post("/v1/consent-changes")
                .then().statusCode(415).contentType("application/problem+json");
        assertThat(Db.rowsFor(subject)).isZero();
    }

    @Test
    void badIdempotencyKeyIsNamed() {
        given().contentType(ContentType.JSON).header("Idempotency-Key", "k".repeat(200)).body(valid())
                .post("/v1/consent-changes")
                .then().statusCode(400).body("errors.field", hasItem(containsString("dempotency")));
        assertThat(Db.rowsFor(subject)).isZero();
    }
}
