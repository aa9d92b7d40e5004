package no.elekt.consent.outbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItems;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.identifiers.IdentifierVault;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * One outbox row that cannot be delivered stops nothing else: it is parked with its reason, its own subject waits
 * behind it, every other subject flows, and ops can send it again.
 */
@QuarkusTest
@TestIdentity
class OutboxParkingTest {

    private static final String CHANGES = "consent.changes.v1";

    @Inject
    Outbox outbox;

    @Inject
    Pool pool;
    @Inject
    IdentifierVault vault;

    @Test
    void aRowThatCannotBeDeliveredIsParkedAndHoldsBackOnlyItsOwnSubject() {
        String unreadable = Directives.unique("unreadable");
        String badTopic = Directives.unique("bad-topic");
        String flowing = Directives.unique("flowing");
        // a payload sealed with a key the ring no longer has (retired too early)
        Db.update("""
                insert into outbox_event (topic, message_key, event_type, event_id, payload)
                values ('consent.changes.v1', ?, 'ConsentChanged', ?, ?)""", unreadable, UUID.randomUUID(),
                sealedWithUnknownKey());
        // a readable directive for a topic the broker refuses (a processor id that is no topic name)
        ProcessorDirective directive = Directives.directive("mailgun", DirectiveAction.SUPPRESS, "newsletter", 1,
                Map.of());
        directive.setSubjectId(badTopic);
        pool.withTransaction(c -> outbox.add(c, List.of(new Outbox.Event("consent.directives.no such.v1", badTopic,
                UUID.fromString(directive.getDirectiveId()), directive)))).await().atMost(Duration.ofSeconds(10));
        for (String subject : List.of(unreadable, badTopic, flowing)) {
            Directives.postChange(subject, "analytics", "WITHDRAWN", Map.of());
            Directives.postChange(subject, "analytics", "GRANTED", Map.of());
        }

        try (KafkaEvents kafka = KafkaEvents.from(CHANGES)) {
            // every other subject flows
            assertThat(kafka.awaitEvents(CHANGES, flowing, 2)).hasSize(2);
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> parked(unreadable) == 1 && parked(badTopic) == 1);
            // the parked subjects' later rows wait, in the outbox, and none reached Kafka
            assertThat(Db.count("select count(*) from outbox_event where message_key = ?", unreadable)).isPositive();
            assertThat(Db.count("select count(*) from outbox_event where message_key = ?", badTopic)).isPositive();
            assertThat(kafka.events(CHANGES, unreadable)).isEmpty();
            assertThat(kafka.events(CHANGES, badTopic)).isEmpty();

            given().get("/v1/ops/parked-outbox?limit=1000").then().statusCode(200)
                    .body("subjectId", hasItems(unreadable, badTopic))
                    .body("find { it.subjectId == '" + unreadable + "' }.reason",
                            org.hamcrest.Matchers.containsString("No key 'retired'"))
                    .body("find { it.subjectId == '" + badTopic + "' }.reason",
                            org.hamcrest.Matchers.containsString("InvalidTopicException"));

            // ops fix the cause (here: the topic the row should have named) and retry: the row goes first, then
            // the subject's rows held behind it
            long id = Db.count("select id from outbox_parked where message_key = ?", badTopic);
            UUID eventId = UUID.fromString(Db.string("select event_id::text from outbox_parked where id = ?", id));
            // a payload is sealed for its topic and event (issue 13), so a row moved to another topic is sealed again
            byte[] payload = vault.decrypt(Db.bytes("select payload from outbox_parked where id = ?", id),
                    Outbox.context("consent.directives.no such.v1", eventId));
            Db.update("update outbox_parked set topic = 'consent.directives.mailgun.v1', payload = ? where id = ?",
                    vault.encrypt(payload, Outbox.context("consent.directives.mailgun.v1", eventId)), id);
            given().post("/v1/ops/parked-outbox/" + id + "/retry").then().statusCode(200);
            assertThat(kafka.awaitEvents(CHANGES, badTopic, 2)).hasSize(2);
            assertThat(parked(badTopic)).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> Db.count("select count(*) from outbox_event where message_key = ?", badTopic) == 0);
            given().post("/v1/ops/parked-outbox/" + id + "/retry").then().statusCode(404);
        }
    }

    @Inject
    OutboxTopics topics;

    @Test
    void everyDirectiveTopicOfThePolicyIsCheckedAtStart() {
        assertThat(topics.required()).contains(CHANGES, "consent.directives.mailgun.v1",
                "consent.directives.firebase.v1", "consent.directives.eliq.v1", "consent.directives.addapptr.v1");
        assertThat(topics.missing()).isEmpty();
        assertThat(topics.exists("consent.directives.elhub.v1")).isFalse();
        assertThat(given().get("/q/metrics").then().extract().asString())
                .contains("consent_outbox_missing_topics 0.0");
    }

    private static long parked(String subject) {
        return Db.count("select count(*) from outbox_parked where message_key = ?", subject);
    }

    private static byte[] sealedWithUnknownKey() {
        byte[] keyId = "retired".getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + keyId.length + 12 + 32).put((byte) keyId.length).put(keyId).array();
    }
}
