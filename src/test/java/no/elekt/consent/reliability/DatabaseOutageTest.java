package no.elekt.consent.reliability;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.Infra;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * PostgreSQL stopped and started: the API answers 503 while it is down and writes nothing half-way; a change
 * published on Kafka meanwhile is retried, not dead-lettered, and recorded once the database is back.
 */
@QuarkusTest
@TestIdentity
class DatabaseOutageTest {

    private static Map<String, Object> change(String subject) {
        return Map.of("subjectId", subject, "purpose", "marketing", "decision", "WITHDRAWN",
                "occurredAt", Instant.now().toString(), "source", "web");
    }

    @Test
    void intakeAnswers503WhileTheDatabaseIsDownAndNothingIsLostOnKafka() {
        String refused = "db-down-" + UUID.randomUUID();
        String viaKafka = "db-down-kafka-" + UUID.randomUUID();
        String after = "db-back-" + UUID.randomUUID();
        Infra.stopPostgres();
        try {
            given().contentType(ContentType.JSON).body(change(refused)).post("/v1/consent-changes")
                    .then().statusCode(503).contentType("application/problem+json").header("Retry-After", "5");
            try (KafkaPublisher publisher = new KafkaPublisher()) {
                publisher.send("consent.change-requests.app.v1", viaKafka, ConsentChangeRequested.newBuilder()
                        .setSubjectId(viaKafka).setPurpose("newsletter").setDecision("WITHDRAWN")
                        .setOccurredAt(Instant.now()).setSource("backend-eu").build());
            }
        } finally {
            Infra.restartPostgres();
        }

        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(
                () -> given().contentType(ContentType.JSON).body(change(after)).post("/v1/consent-changes")
                        .then().statusCode(202));
        assertThat(Db.rowsFor(refused)).as("nothing half-written").isZero();
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> given().get("/v1/subjects/" + viaKafka + "/history").then().body("", hasSize(1)));
        try (KafkaEvents kafka = KafkaEvents.from("consent.changes.v1")) {
            ConsentChanged changed = (ConsentChanged) kafka.await("consent.changes.v1", after, 1).get(0);
            assertThat(changed.getPurpose()).isEqualTo("marketing");
        }
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/q/health/ready").then().log().ifValidationFails().statusCode(200)
                        .body("status", equalTo("UP")));
    }
}
