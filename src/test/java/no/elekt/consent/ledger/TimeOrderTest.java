package no.elekt.consent.ledger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.WireMock;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.StandInCalls;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * The decision in force is the one that occurred last, not the one that arrived last: over REST, over Kafka and by
 * a replayed dead letter. An older change is kept in the ledger as proof, marked as not in force, and reaches no
 * processor; it never brings back identifiers an erasure purged.
 */
@QuarkusTest
@TestIdentity
class TimeOrderTest {

    static final Instant DAY_1 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(Duration.ofDays(3));
    static final Instant DAY_3 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(Duration.ofDays(1));
    static final String REQUESTS = "consent.change-requests.app.v1";
    static final WireMock STAND_INS = ProcessorStandIns.wireMock();
    static KafkaPublisher publisher;

    @BeforeAll
    static void connect() {
        publisher = new KafkaPublisher();
    }

    @AfterAll
    static void close() {
        publisher.close();
    }

    static Map<String, Object> change(String subject, String decision, Instant occurredAt, Map<String, String> ids) {
        return Map.of("subjectId", subject, "purpose", "newsletter", "decision", decision,
                "occurredAt", occurredAt.toString(), "source", "app-android", "policyVersion", "no-2023-04-27",
                "identifiers", ids);
    }

    static JsonPath post(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/consent-changes").then().statusCode(202)
                .extract().jsonPath();
    }

    static ConsentChangeRequested request(String subject, String decision, Instant occurredAt, String email) {
        return ConsentChangeRequested.newBuilder().setIdempotencyKey(UUID.randomUUID().toString())
                .setSubjectId(subject).setPurpose("newsletter").setDecision(decision).setOccurredAt(occurredAt)
                .setSource("backend-eu").setPolicyVersion("dk-2023-04-27")
                .setIdentifiers(email == null ? Map.of() : Map.of("email", email)).build();
    }

    static void awaitConfirmed(String changeId) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .get("/v1/consent-changes/" + changeId).then().body("propagations[0].status", equalTo("CONFIRMED")));
    }

    static void awaitHistory(String subject, int entries) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .get("/v1/subjects/" + subject + "/history").then().body("", hasSize(entries)));
    }

    /** The decision in force is still the withdrawal, and Mailgun never heard of the older grant. */
    static void withdrawalStillInForce(String subject, String email) {
        given().get("/v1/subjects/" + subject + "/consents").then()
                .body("[0].decision", equalTo("WITHDRAWN"))
                .body("[0].occurredAt", equalTo(DAY_3.toString()));
        JsonPath history = given().get("/v1/subjects/" + subject + "/history").then().extract().jsonPath();
        assertThat(history.getList("inForce", Boolean.class)).containsExactly(true, false);
        assertThat(history.getList("decision", String.class)).containsExactly("WITHDRAWN", "GRANTED");
        assertThat(StandInCalls.resubscribes(email)).isEmpty();
        assertThat(Db.count("select count(*) from propagation where subject_id = ?", subject)).isEqualTo(1);
    }

    @Test
    void overRestAnOlderGrantArrivingAfterANewerWithdrawalIsRecordedButNotInForce() {
        String subject = "time-rest-" + UUID.randomUUID();
        String email = subject + "@example.no";
        awaitConfirmed(post(change(subject, "WITHDRAWN", DAY_3, Map.of("email", email))).getString("changeId"));

        // the phone was offline: its grant of day 1 arrives after the withdrawal of day 3
        JsonPath late = post(change(subject, "GRANTED", DAY_1, Map.of()));

        withdrawalStillInForce(subject, email);
        assertThat(late.getBoolean("inForce")).isFalse();
        assertThat(late.getList("propagations")).isEmpty();
        given().get("/v1/consent-changes/" + late.getString("changeId")).then()
                .body("inForce", equalTo(false)).body("propagations", empty());
    }

    @Test
    void overKafkaTheNewestDecisionByTimeIsInForceWhateverTheOrderOfArrival() {
        String subject = "time-kafka-" + UUID.randomUUID();
        String email = subject + "@example.dk";
        publisher.send(REQUESTS, subject, request(subject, "WITHDRAWN", DAY_3, email));
        publisher.send(REQUESTS, subject, request(subject, "GRANTED", DAY_1, null));
        awaitHistory(subject, 2);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Db.count(
                "select count(*) from propagation where subject_id = ? and status = 'CONFIRMED'", subject) == 1);

        withdrawalStillInForce(subject, email);
    }

    @Test
    void aDeadLetterReplayedDaysLaterDoesNotOverrideANewerDecision() {
        String subject = "time-dlq-" + UUID.randomUUID();
        String email = subject + "@example.no";
        awaitConfirmed(post(change(subject, "WITHDRAWN", DAY_3, Map.of("email", email))).getString("changeId"));
        // a grant of day 1 was dead-lettered then (e.g. a fault since fixed), and ops replay it now
        publisher.send(REQUESTS + ".dlq", subject, request(subject, "GRANTED", DAY_1, null),
                Map.of("dead-letter-topic", REQUESTS, "dead-letter-reason", "simulated fault"));
        given().post("/v1/ops/dead-letters/replay?topic=" + REQUESTS + ".dlq").then().statusCode(200);
        awaitHistory(subject, 2);

        withdrawalStillInForce(subject, email);
    }

    @Test
    void aChangeOlderThanAnErasureNeverBringsBackThePurgedIdentifiers() {
        String subject = "time-purge-" + UUID.randomUUID();
        String email = subject + "@example.no";
        post(change(subject, "GRANTED", DAY_1, Map.of("email", email)));
        String requestId = given().contentType(ContentType.JSON)
                .body(Map.of("type", "ERASURE", "purposes", List.of("newsletter"), "source", "app-android"))
                .post("/v1/subjects/" + subject + "/requests").then().statusCode(202).extract().path("requestId");
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Db.count(
                "select count(*) from rights_request where request_id = ?::uuid and purged_at is not null",
                requestId) == 1);

        // a change of before the erasure, with the old address, replayed from the dead letters
        publisher.send(REQUESTS + ".dlq", subject, request(subject, "WITHDRAWN", DAY_3, email),
                Map.of("dead-letter-topic", REQUESTS, "dead-letter-reason", "simulated fault"));
        given().post("/v1/ops/dead-letters/replay?topic=" + REQUESTS + ".dlq").then().statusCode(200);
        awaitHistory(subject, 4); // the grant, the erasure, the purge, the late withdrawal

        assertThat(Db.count("select count(*) from subject_identifier where subject_id = ?", subject)).isZero();
        given().get("/v1/subjects/" + subject + "/history").then()
                .body("find { it.decision == 'WITHDRAWN' && it.kind == 'DECISION' }.inForce", equalTo(false));
    }

    @Test
    void aGrantThatOccurredAfterAnErasureIsARealReconsentAndIsHonoured() {
        String subject = "time-reconsent-" + UUID.randomUUID();
        String email = subject + "@example.no";
        post(change(subject, "WITHDRAWN", DAY_1, Map.of("email", email)));
        String requestId = given().contentType(ContentType.JSON)
                .body(Map.of("type", "ERASURE", "purposes", List.of("newsletter"), "source", "app-android"))
                .post("/v1/subjects/" + subject + "/requests").then().statusCode(202).extract().path("requestId");
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Db.count(
                "select count(*) from rights_request where request_id = ?::uuid and purged_at is not null",
                requestId) == 1);

        JsonPath reconsent = post(change(subject, "GRANTED", Instant.now(), Map.of("email", email)));
        assertThat(reconsent.getBoolean("inForce")).isTrue();
        awaitConfirmed(reconsent.getString("changeId"));
        assertThat(StandInCalls.resubscribes(email)).isNotEmpty();
        given().get("/v1/subjects/" + subject + "/consents").then().body("[0].decision", equalTo("GRANTED"));
    }

    @Test
    void atTheSameInstantTheLaterArrivalWins() {
        String subject = "time-tie-" + UUID.randomUUID();
        post(change(subject, "WITHDRAWN", DAY_3, Map.of("email", subject + "@example.no")));
        JsonPath tie = post(change(subject, "GRANTED", DAY_3, Map.of()));
        assertThat(tie.getBoolean("inForce")).isTrue();
        given().get("/v1/subjects/" + subject + "/consents").then().body("[0].decision", equalTo("GRANTED"));
    }
}
