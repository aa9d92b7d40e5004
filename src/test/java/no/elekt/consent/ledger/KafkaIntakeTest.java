package no.elekt.consent.ledger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.TestIdentity;

/** App backends may publish changes on their own consent.change-requests.<b>.v1; bad records are dead-lettered, the rest go on. */
@QuarkusTest
@TestIdentity
class KafkaIntakeTest {

    static final String REQUESTS = "consent.change-requests.app.v1";
    /** Another backend's topic: the web backend may report only the source "web" (application.properties). */
    static final String WEB_REQUESTS = "consent.change-requests.web.v1";
    static KafkaPublisher publisher;
    static KafkaEvents kafka;

    @BeforeAll
    static void connect() {
        publisher = new KafkaPublisher();
        kafka = KafkaEvents.from("consent.changes.v1", REQUESTS + ".dlq", WEB_REQUESTS + ".dlq");
    }

    @AfterAll
    static void close() {
        publisher.close();
        kafka.close();
    }

    static ConsentChangeRequested request(String subject, String purpose, String decision) {
        return ConsentChangeRequested.newBuilder()
                .setSubjectId(subject).setPurpose(purpose).setDecision(decision)
                .setOccurredAt(Instant.now().minusSeconds(1)).setSource("backend-eu")
                .setPolicyVersion("dk-2023-04-27").setIdentifiers(Map.of("email", subject + "@example.dk"))
                .build();
    }

    @Test
    void publishedRequestIsRecordedAndEmitted() {
        String subject = "subject-" + UUID.randomUUID();
        publisher.send(REQUESTS, subject, request(subject, "newsletter", "WITHDRAWN"));

        ConsentChanged changed = (ConsentChanged) kafka.await("consent.changes.v1", subject, 1).get(0);
        assertThat(changed.getPurpose()).isEqualTo("newsletter");
        assertThat(changed.getSource()).isEqualTo("backend-eu");
        given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(1))
                .body("[0].decision", equalTo("WITHDRAWN"));
    }

    /** On Kafka as on REST, a backend reports changes only for its own sources. */
    @Test
    void aChangeForASourceNotOfTheBackendsTopicIsDeadLetteredAndNothingIsStored() {
        String subject = "subject-" + UUID.randomUUID();
        publisher.send(WEB_REQUESTS, subject, request(subject, "newsletter", "WITHDRAWN")); // source backend-eu
        ConsentChangeRequested web = request(subject, "marketing", "WITHDRAWN");
        web.setSource("web");
        publisher.send(REQUESTS, subject, web);

        assertThat(kafka.awaitEvents(WEB_REQUESTS + ".dlq", subject, 1).get(0).headers().get("dead-letter-reason"))
                .startsWith("source: not a source of the backend writing " + WEB_REQUESTS + ": one of [web]");
        assertThat(kafka.awaitEvents(REQUESTS + ".dlq", subject, 1).get(0).headers().get("dead-letter-reason"))
                .startsWith("source: not a source of the backend writing " + REQUESTS);
        assertThat(Db.rowsFor(subject)).isZero();

        // the web backend's own source on its own topic is taken
        publisher.send(WEB_REQUESTS, subject, web);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(1))
                        .body("[0].purpose", equalTo("marketing")));
    }

    @Test
    void redeliveredRequestWithTheSameRequestIdIsRecordedOnce() {
        String subject = "subject-" + UUID.randomUUID();
        ConsentChangeRequested request = request(subject, "marketing", "WITHDRAWN");
        request.setIdempotencyKey(UUID.randomUUID().toString());
        publisher.send(REQUESTS, subject, request);
        publisher.send(REQUESTS, subject, request);
        publisher.send(REQUESTS, subject, request(subject, "newsletter", "GRANTED"));

        // the newsletter change comes after both copies in the partition: once it is in, both copies were handled
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(2)));
        given().get("/v1/subjects/" + subject + "/consents").then()
                .body("find { it.purpose == 'marketing' }.version", equalTo(1));
    }

    @Test
    void poisonAndInvalidRecordsAreDeadLetteredWithTheReasonAndTheNextIsProcessed() {
        String subject = "subject-" + UUID.randomUUID();
        publisher.sendRaw(REQUESTS, subject, "not avro at all".getBytes(StandardCharsets.UTF_8));
        publisher.send(REQUESTS, subject, request(subject, "horoscopes", "WITHDRAWN"));
        publisher.send(REQUESTS, subject, request(subject, "newsletter", "PERHAPS"));
        publisher.send(REQUESTS, subject, request(subject, "newsletter", "WITHDRAWN"));

        var dead = kafka.awaitEvents(REQUESTS + ".dlq", subject, 3);
        assertThat(dead).allSatisfy(e -> assertThat(e.headers()).containsKey("dead-letter-reason"));
        assertThat(dead.get(1).headers().get("dead-letter-reason")).contains("purpose");
        assertThat(dead.get(2).headers().get("dead-letter-reason")).contains("decision");

        ConsentChanged changed = (ConsentChanged) kafka.await("consent.changes.v1", subject, 1).get(0);
        assertThat(changed.getPurpose()).isEqualTo("newsletter");
        given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(1));
    }

    @Test
    void anIdempotencyKeyReusedForAnotherChangeIsDeadLetteredAndTheRestOfItsPollIsRecorded() {
        String subject = "subject-" + UUID.randomUUID();
        String idempotencyKey = UUID.randomUUID().toString();
        ConsentChangeRequested first = request(subject, "marketing", "WITHDRAWN");
        first.setIdempotencyKey(idempotencyKey);
        ConsentChangeRequested reused = request(subject, "marketing", "GRANTED");
        reused.setIdempotencyKey(idempotencyKey);
        publisher.send(REQUESTS, subject, first);
        publisher.send(REQUESTS, subject, reused);
        publisher.send(REQUESTS, subject, request(subject, "newsletter", "WITHDRAWN"));

        // in one poll, the reused key fails the poll's transaction; recorded one by one, only it is refused
        var dead = kafka.awaitEvents(REQUESTS + ".dlq", subject, 1);
        assertThat(dead.get(0).headers().get("dead-letter-reason")).contains("different request body");
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(2)));
        given().get("/v1/subjects/" + subject + "/consents").then()
                .body("find { it.purpose == 'marketing' }.decision", equalTo("WITHDRAWN"))
                .body("find { it.purpose == 'newsletter' }.decision", equalTo("WITHDRAWN"));
    }
}
