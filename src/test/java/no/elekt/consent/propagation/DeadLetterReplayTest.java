package no.elekt.consent.propagation;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.TestIdentity;

/** Ops replay a dead letter once its cause is fixed; it goes back to the topic it came from and is processed. */
@QuarkusTest
@TestIdentity
class DeadLetterReplayTest {

    @Test
    void replayedDeadLetterGoesBackToItsTopicAndIsProcessed() {
        String subject = "subject-" + UUID.randomUUID();
        ConsentChangeRequested request = ConsentChangeRequested.newBuilder()
                .setIdempotencyKey(UUID.randomUUID().toString())
                .setSubjectId(subject).setPurpose("marketing").setDecision("WITHDRAWN")
                .setOccurredAt(Instant.now()).setSource("backend-eu").build();
        try (KafkaPublisher publisher = new KafkaPublisher()) {
            // as the consumer dead-letters a record, e.g. after a transient fault that ops have since fixed
            publisher.send("consent.change-requests.v1.dlq", subject, request, Map.of(
                    "dead-letter-topic", "consent.change-requests.v1",
                    "dead-letter-reason", "simulated fault"));
        }

        given().post("/v1/ops/dead-letters/replay?topic=consent.change-requests.v1.dlq")
                .then().statusCode(200)
                .body("replayed", greaterThanOrEqualTo(1))
                .body("byTarget.'consent.change-requests.v1'", greaterThanOrEqualTo(1));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(1))
                        .body("[0].purpose", equalTo("marketing")));

        // replaying again leaves the ledger as it is
        given().post("/v1/ops/dead-letters/replay?topic=consent.change-requests.v1.dlq").then().statusCode(200);
        given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(1));
    }

    @Test
    void onlyKnownDeadLetterTopicsCanBeReplayed() {
        given().post("/v1/ops/dead-letters/replay?topic=consent.changes.v1")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("topic"));
    }
}
